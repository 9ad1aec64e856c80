package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testkit.Tshark;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(120)
class DemoNetCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int xensim(String... args) {
        CommandLine cli = Xensim.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void netDemoPingsGuestTwoAndShowsBothVifsConnectedWithTheirKeysPermissionsAndCounters() {
        int status = xensim("demo", "--net");

        assertThat(status).isZero();
        assertThat(err.toString()).isEmpty();
        String text = out.toString();
        List<String> lines = text.lines().toList();
        assertThat(lines).contains(
                "d1 ARP who-has 10.0.0.2 tell 10.0.0.1: reply 10.0.0.2 is-at 00:16:3e:00:00:02",
                "d1 ping 10.0.0.2 icmp_seq=1: 98 bytes from 10.0.0.2: echo reply icmp_seq=1",
                "d1 ping 10.0.0.2 icmp_seq=2: 98 bytes from 10.0.0.2: echo reply icmp_seq=2",
                "d1 ping 10.0.0.2 icmp_seq=3: 98 bytes from 10.0.0.2: echo reply icmp_seq=3",
                "d1 UDP 10.0.0.1:40000 -> 10.0.0.2:5000 (18 bytes): received by d2 (60-byte frame)");
        // xenstore-ls -p's layout (xenstore_client.c do_ls, no terminal): dots to column 60, two spaces, perms.
        assertThat(section(lines, "== xenstore-ls -p /local/domain/1/device/vif/0")).startsWith(
                "backend = \"/local/domain/0/backend/vif/1/0\"  . . . . . . . .  (n1,r0)",
                "backend-id = \"0\" . . . . . . . . . . . . . . . . . . . . . .  (n1,r0)",
                "state = \"4\"  . . . . . . . . . . . . . . . . . . . . . . . .  (n1,r0)")
                .contains("mtu = \"1500\" . . . . . . . . . . . . . . . . . . . . . . . .  (n0,r1)",
                        "tx-ring-ref = \"8\"  . . . . . . . . . . . . . . . . . . . . .  (n1,r0)");
        assertThat(section(lines, "== xenstore-ls -p /local/domain/2/device/vif/0"))
                .contains("state = \"4\"  . . . . . . . . . . . . . . . . . . . . . . . .  (n2,r0)",
                        "mac = \"00:16:3e:00:00:02\"  . . . . . . . . . . . . . . . . .  (n2,r0)");
        for (int d = 1; d <= 2; d++) {
            assertThat(section(lines, "== xenstore-ls -p /local/domain/0/backend/vif/" + d + "/0")).contains(
                    "state = \"4\"  . . . . . . . . . . . . . . . . . . . . . . . .  (n0,r" + d + ")",
                    "hotplug-status = \"connected\" . . . . . . . . . . . . . . . .  (n0,r" + d + ")",
                    "bridge = \"xenbr0\"  . . . . . . . . . . . . . . . . . . . . .  (n0,r" + d + ")",
                    "frontend = \"/local/domain/" + d + "/device/vif/0\"  . . . . . . . . .  (n0,r" + d + ")");
        }
        assertThat(lines).allSatisfy(l -> {
            if (l.contains(" . . ")) {
                assertThat(l.indexOf("  (")).as(l).isEqualTo(60);
            }
        });
        // The handshake: both ends of both vifs Connected, libxl's hotplug script reporting in between.
        assertThat(lines).anyMatch(l -> l.contains("d1 guest1") && l.contains("==> frontend")
                        && l.contains("-> Connected (4)"))
                .anyMatch(l -> l.contains("d2 guest2") && l.contains("==> frontend") && l.contains("-> Connected (4)"))
                .anyMatch(l -> l.contains("vif/1/0") && l.contains("==> backend InitWait -> Connected (4)"))
                .anyMatch(l -> l.contains("vif/2/0") && l.contains("==> backend InitWait -> Connected (4)"))
                .anyMatch(l -> l.contains("XS_WRITE /local/domain/0/backend/vif/1/0/hotplug-status = \"connected\""))
                .anyMatch(l -> l.contains("gnttab_grant_foreign_access refs 10..265 -> dom0 rw (256 data pages)"));
        // ARP request + 3 echo requests + the datagram out of d1; the ARP reply and 3 echo replies back.
        assertThat(lines).contains(
                "d1 netfront eth0: tx 5 packets 396 bytes, 0 dropped; rx 4 packets 336 bytes, 0 dropped",
                "d0 xenbr0 port vif1.0: rx 5 packets 396 bytes, 0 dropped; tx 4 packets 336 bytes, 0 dropped",
                "d2 netfront eth0: tx 4 packets 336 bytes, 0 dropped; rx 5 packets 396 bytes, 0 dropped",
                "d0 xenbr0 port vif2.0: rx 4 packets 336 bytes, 0 dropped; tx 5 packets 396 bytes, 0 dropped");
        assertThat(section(lines, "== xenbr0 learned MACs (brctl showmacs)"))
                .containsExactly("00:16:3e:00:00:01  vif1.0", "00:16:3e:00:00:02  vif2.0");
        assertThat(text).doesNotContain("capture:");
    }

    @Test
    void netDemoIsDeterministic() {
        xensim("demo", "--net");
        String first = out.toString();
        out.getBuffer().setLength(0);
        xensim("demo", "--net");
        assertThat(out.toString()).isEqualTo(first);
    }

    @Test
    void pcapWithTheEchoDemoIsAUsageError() {
        assertThat(xensim("demo", "--echo", "--pcap", dir.resolve("x.pcap").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--pcap needs the default demo or --net");
        assertThat(dir.resolve("x.pcap")).doesNotExist();
    }

    @Test
    void tsharkReadsTheCaptureOfXenbr0AsArpPingAndUdp() throws Exception {
        Tshark.require();
        Path file = dir.resolve("xenbr0.pcap");
        assertThat(xensim("demo", "--net", "--pcap", file.toString())).isZero();
        assertThat(out.toString()).contains("capture: 9 frames of xenbr0 written to " + file);

        var rows = tshark(file, "-e", "eth.src", "-e", "eth.dst", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info",
                "-e", "ip.checksum.status", "-e", "_ws.malformed");
        String m1 = "00:16:3e:00:00:01";
        String m2 = "00:16:3e:00:00:02";
        assertThat(rows).hasSize(9);
        assertThat(rows.get(0).subList(0, 4)).containsExactly(m1, "ff:ff:ff:ff:ff:ff", "ARP",
                "Who has 10.0.0.2? Tell 10.0.0.1");
        assertThat(rows.get(1).subList(0, 4)).containsExactly(m2, m1, "ARP", "10.0.0.2 is at " + m2);
        for (int seq = 1; seq <= 3; seq++) {
            List<String> request = rows.get(2 * seq);
            List<String> reply = rows.get(2 * seq + 1);
            assertThat(request.subList(0, 3)).containsExactly(m1, m2, "ICMP");
            assertThat(request.get(3)).startsWith("Echo (ping) request").contains("seq=" + seq + "/");
            assertThat(reply.subList(0, 3)).containsExactly(m2, m1, "ICMP");
            assertThat(reply.get(3)).startsWith("Echo (ping) reply").contains("seq=" + seq + "/")
                    .contains("(request in " + (2 * seq + 1) + ")");
        }
        assertThat(rows.get(8).subList(0, 3)).containsExactly(m1, m2, "UDP");
        assertThat(rows.get(8).get(3)).contains("40000").contains("5000");
        assertThat(rows.subList(2, 9)).allSatisfy(r -> assertThat(r.get(4)).as("ip.checksum.status %s", r)
                .isEqualTo("1"));
        assertThat(rows).allSatisfy(r -> assertThat(r.get(5)).as("_ws.malformed %s", r).isEmpty());
    }

    /** The lines after {@code heading} up to the next blank line. */
    private static List<String> section(List<String> lines, String heading) {
        int at = lines.indexOf(heading);
        assertThat(at).as("heading %s in:%n%s", heading, String.join("\n", lines)).isGreaterThanOrEqualTo(0);
        List<String> body = new ArrayList<>();
        for (int i = at + 1; i < lines.size() && !lines.get(i).isEmpty(); i++) {
            body.add(lines.get(i));
        }
        return body;
    }

    /** tshark's fields for each frame, tab-separated, checksum validation on, with a private HOME. */
    private List<List<String>> tshark(Path file, String... fields) throws IOException, InterruptedException {
        return Tshark.fields(file, dir, List.of("udp", "ip"), fields);
    }
}
