package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xensim.testbed.scenario.HvmDemo;
import io.xensim.testkit.Tshark;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code xensim demo} (the default, {@link HvmDemo}): its sections in order with what each must show, the numbers
 * the frames imply, the handshake drawn from the demo guests' own boot, determinism, {@code --json}, the capture
 * read by tshark, the bundled configs equal to examples/, and exit 1 naming what failed.
 */
@Timeout(120)
class DemoHvmCommandTest {
    private static final String MAC1 = "00:16:3e:00:d0:01";
    private static final String MAC2 = "00:16:3e:00:d0:02";
    /** Bytes on the wire of what the demo sends: ARP, ICMP echo of 56 data bytes, UDP of 1024 bytes. */
    private static final int ARP = 42;
    private static final int ICMP = 98;
    private static final int UDP = 14 + 20 + 8 + 1024;

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
    void demoBootsBothGuestsAndPrintsEverySectionInOrderAndExitsZero() {
        int status = xensim("demo");

        String text = out.toString();
        assertThat(status).as(text).isZero();
        assertThat(err.toString()).isEmpty();
        List<String> lines = text.lines().toList();
        assertInOrder(lines,
                "== boot log: dom1 demo-guest1 (demo-guest1.cfg)",
                "did not exist: created it as a sparse raw image of 64 MiB",
                "Command line: ro root=/dev/hda1 xen_pv_hvm=enable",
                "Netfront and the Xen platform PCI driver have been compiled for this kernel: unplug emulated NICs.",
                "==> dom1 demo-guest1: booted",
                "== boot log: dom2 demo-guest2 (demo-guest2.cfg)",
                "Enabling Xen PV-on-HVM",
                "==> dom2 demo-guest2: booted",
                "== interfaces and block devices",
                "eth0  xen-netfront  " + MAC1 + "  xenbr0  vif1.0 (netback)",
                "xvda  xen-blkfront  hda   131072   demo-guest1.img (blkback vbd 1/768)",
                "eth0  xen-netfront  " + MAC2 + "  xenbr0  vif2.0 (netback)",
                "xvda  xen-blkfront  hda   131072   demo-guest2.img (blkback vbd 2/768)",
                "== ping, both directions",
                "PING 10.0.0.2 from dom1 eth0 (xen-netfront) to dom2 eth0 (xen-netfront)",
                "ARP who-has 10.0.0.2 tell 10.0.0.1: reply from " + MAC2,
                "4 packets transmitted, 4 received",
                "PING 10.0.0.1 from dom2 eth0 (xen-netfront) to dom1 eth0 (xen-netfront)",
                "ARP who-has 10.0.0.1 tell 10.0.0.2: reply from " + MAC1,
                "4 packets transmitted, 4 received",
                "== stream: 64 UDP frames of 1024 bytes, dom1 to dom2",
                "stream: dom1 eth0 -> dom2 eth0: 64 UDP frames of 1024 bytes sent, 64 received",
                "== disk: 16 random writes per guest",
                "disk: dom1 xvda (xen-blkfront): 16 random writes of 4096 bytes, each read back: 16 verified, 0 failed",
                "disk: dom2 xvda (xen-blkfront): 16 random writes of 4096 bytes, each read back: 16 verified, 0 failed",
                "== vif handshake: dom1's vif 0 during its boot",
                "== results",
                "bridge xenbr0:",
                "learned MACs (brctl showmacs xenbr0):",
                "xensim demo: everything held");
        assertThat(lines.getLast()).endsWith("; exit 0");
        // The tables have their own section: the boot logs stop before them.
        assertThat(lines.stream().filter(l -> l.equals("Network interfaces:"))).hasSize(2);
    }

    @Test
    void theSequenceDiagramIsTheDemoGuestsOwnVifHandshake() {
        assertThat(xensim("demo")).isZero();
        List<String> diagram = section(out.toString().lines().toList(), "== vif handshake: dom1's vif 0 during its "
                + "boot (xl create to both ends Connected)");

        assertThat(diagram.getFirst()).isEqualTo("FE = /local/domain/1/device/vif/0");
        // The demo config's MAC and vif type: this is the booted guest's vif, not a separate trace's.
        assertInOrder(diagram,
                "write FE/mac = \"" + MAC1 + "\"",
                "write BE/type = \"vif_ioemu\"",
                "probed backend BE, other end dom1 FE",
                "==> backend Initialising -> InitWait (2)",
                "write BE/hotplug-status = \"connected\"",
                "probed frontend FE, other end dom0 BE",
                "write FE/tx-ring-ref = ",
                "write FE/event-channel-rx = ",
                "==> frontend Initialising -> Connected (4)",
                "xenbus_map_ring dom1 refs",
                "bind_interdomain dom1 port",
                "==> backend InitWait -> Connected (4)");
        // Only dom1's vif 0: nothing of its vbd or of guest 2.
        assertThat(diagram).noneMatch(l -> l.contains("vbd") || l.contains("/local/domain/2") || l.contains(MAC2));
    }

    @Test
    void theResultsAddUpToTheFramesTheDemoSent() {
        assertThat(xensim("demo")).isZero();
        List<String> results = section(out.toString().lines().toList(), "== results");

        // dom1 sends 1 ARP request and 4 echo requests, answers 1 ARP and 4 echoes, streams 64: dom2 the rest.
        long big = ARP * 2L + ICMP * 8L + UDP * 64L;
        long small = ARP * 2L + ICMP * 8L;
        List<String> dom1 = columns(results, "dom1 demo-guest1");
        List<String> dom2 = columns(results, "dom2 demo-guest2");
        assertThat(dom1.subList(2, 6)).containsExactly("74", Long.toString(big), "10", Long.toString(small));
        assertThat(dom2.subList(2, 6)).containsExactly("10", Long.toString(small), "74", Long.toString(big));
        for (List<String> g : List.of(dom1, dom2)) {
            long sent = Long.parseLong(g.get(6));
            long copies = Long.parseLong(g.get(8));
            long exits = Long.parseLong(g.get(9));
            assertThat(Long.parseLong(g.get(7))).as("notifications received").isPositive();
            assertThat(copies).as("grant copies").isPositive();
            assertThat(exits).as("VM exits: boot's port I/O and CPUID, then one per send").isGreaterThan(sent);
        }
        assertThat(columns(results, "vif1.0")).containsExactly("vif1.0", "74", Long.toString(big), "0", "10",
                Long.toString(small), "0");
        assertThat(columns(results, "vif2.0")).containsExactly("vif2.0", "10", Long.toString(small), "0", "74",
                Long.toString(big), "0");
        assertThat(results).contains(MAC1 + "  vif1.0", MAC2 + "  vif2.0");
    }

    @Test
    void demoIsDeterministicButForTheTemporaryDirectory() {
        assertThat(xensim("demo")).isZero();
        String first = out.toString().replaceAll("xensim-demo-\\d+", "TMP");
        out.getBuffer().setLength(0);
        assertThat(xensim("demo")).isZero();
        assertThat(out.toString().replaceAll("xensim-demo-\\d+", "TMP")).isEqualTo(first);
        assertThat(first).contains("/TMP/demo-guest1.img did not exist");
    }

    @Test
    void jsonHoldsTheResults() throws IOException {
        assertThat(xensim("demo", "--json")).isZero();
        String text = out.toString().strip();
        assertThat(text.lines()).hasSize(1);

        JsonNode j = new ObjectMapper().readTree(text);
        assertThat(j.get("exit").asInt()).isZero();
        assertThat(j.get("ok").asBoolean()).isTrue();
        assertThat(j.get("failures")).isEmpty();
        JsonNode g1 = j.get("guests").get(0);
        assertThat(g1.get("domid").asInt()).isEqualTo(1);
        assertThat(g1.get("name").asText()).isEqualTo("demo-guest1");
        assertThat(g1.get("outcome").asText()).isEqualTo("booted");
        JsonNode c = g1.get("counters");
        assertThat(c.get("tx_frames").asLong()).isEqualTo(74);
        assertThat(c.get("rx_frames").asLong()).isEqualTo(10);
        assertThat(c.get("tx_bytes").asLong()).isEqualTo(ARP * 2L + ICMP * 8L + UDP * 64L);
        assertThat(c.get("notifications_sent").asLong()).isPositive();
        assertThat(c.get("notifications_received").asLong()).isPositive();
        assertThat(c.get("grant_copies").asLong()).isPositive();
        assertThat(c.get("vm_exits").asLong()).isGreaterThan(c.get("notifications_sent").asLong());
        assertThat(j.get("guests").get(1).get("counters").get("rx_frames").asLong()).isEqualTo(74);
        assertThat(j.get("ping")).hasSize(2);
        assertThat(j.get("ping").get(1).get("from").asInt()).isEqualTo(2);
        assertThat(j.get("ping").get(1).get("received").asLong()).isEqualTo(4);
        assertThat(j.get("stream").get("sent").asLong()).isEqualTo(64);
        assertThat(j.get("stream").get("received").asLong()).isEqualTo(64);
        assertThat(j.get("disk").get("verified").asLong()).isEqualTo(32);
        assertThat(j.get("disk").get("failed").asLong()).isZero();
        assertThat(j.get("bridge").get("name").asText()).isEqualTo("xenbr0");
        assertThat(j.get("bridge").get("ports").get(0).get("port").asText()).isEqualTo("vif1.0");
        assertThat(j.get("bridge").get("fdb").get(MAC2).asText()).isEqualTo("vif2.0");
        assertThat(j.get("handshake").get("steps").asInt()).isPositive();
        assertThat(j.has("pcap")).isFalse();
    }

    @Test
    void tsharkReadsTheCaptureOfXenbr0AsArpPingBothWaysAndTheStream() throws Exception {
        Tshark.require();
        Path file = dir.resolve("xenbr0.pcap");
        assertThat(xensim("demo", "--pcap", file.toString())).isZero();
        assertThat(out.toString()).contains("capture: 84 frames of xenbr0 written to " + file);

        var rows = Tshark.fields(file, dir, List.of("udp", "ip"), "-e", "eth.src", "-e", "eth.dst", "-e",
                "_ws.col.Protocol", "-e", "_ws.col.Info", "-e", "_ws.malformed");
        assertThat(rows).hasSize(84);
        assertThat(rows.get(0).subList(0, 4)).containsExactly(MAC1, "ff:ff:ff:ff:ff:ff", "ARP",
                "Who has 10.0.0.2? Tell 10.0.0.1");
        assertThat(rows.get(1).subList(0, 4)).containsExactly(MAC2, MAC1, "ARP", "10.0.0.2 is at " + MAC2);
        for (int seq = 1; seq <= 4; seq++) {
            assertThat(rows.get(2 * seq).get(3)).startsWith("Echo (ping) request").contains("seq=" + seq + "/");
            assertThat(rows.get(2 * seq + 1).get(3)).startsWith("Echo (ping) reply");
        }
        assertThat(rows.get(10).subList(0, 4)).containsExactly(MAC2, "ff:ff:ff:ff:ff:ff", "ARP",
                "Who has 10.0.0.1? Tell 10.0.0.2");
        assertThat(rows.get(12).subList(0, 3)).containsExactly(MAC2, MAC1, "ICMP");
        assertThat(rows.subList(20, 84)).allSatisfy(r -> assertThat(r.subList(0, 3))
                .containsExactly(MAC1, MAC2, "UDP"));
        assertThat(rows).allSatisfy(r -> assertThat(r.get(4)).as("_ws.malformed %s", r).isEmpty());
    }

    @Test
    void theBundledConfigsAreTheExamples() throws IOException {
        for (String name : HvmDemo.CONFIGS) {
            String example = Files.readString(BootCommandTest.examples().resolve(name));
            assertThat(HvmDemo.config(name)).as(name).isEqualTo(example);
            assertThat(example).contains("builder = \"hvm\"", "xen_pv_hvm=enable", "bridge=xenbr0",
                    "./xensim boot examples/" + name);
        }
    }

    @Test
    void aGuestThatDoesNotBootExitsOneAndSaysWhy() throws IOException {
        var demo = new HvmDemo(Optional.empty(), name -> name.equals("demo-guest2.cfg")
                ? HvmDemo.config(name).replace("xen_pv_hvm=enable", "xen_pv_hvm=enable nmi_watchdog=1")
                : HvmDemo.config(name));
        HvmDemo.Result result = demo.run();
        var text = new StringWriter();
        HvmDemoOutput.print(new PrintWriter(text, true), result, null);

        assertThat(result.ok()).isFalse();
        assertThat(HvmDemoOutput.exitStatus(result)).isEqualTo(1);
        assertThat(text.toString()).contains("==> dom1 demo-guest1: booted", "==> dom2 demo-guest2.cfg: panicked",
                "FAILED: dom2 demo-guest2.cfg: kernel panic: nmi_watchdog=1", "check(s) failed; exit 1",
                "== vif handshake: dom1's vif 0").doesNotContain("== ping", "== results");
        assertThat(HvmDemoOutput.json(result, null)).startsWith("{\"exit\":1,\"ok\":false,\"failures\":[\"dom2");
    }

    @Test
    void aCaptureThatCannotBeWrittenExitsOneBeforeAnyGuestBoots() {
        Path missing = dir.resolve("no-such-dir").resolve("x.pcap");

        assertThat(xensim("demo", "--pcap", missing.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("xensim demo: ").contains(missing.toString());
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(xensim("demo", "--all")).isEqualTo(2);
        assertThat(xensim("demo", "--echo", "--net")).isEqualTo(2);
        assertThat(xensim("demo", "--echo", "--json")).isEqualTo(2);
        assertThat(xensim("demo", "--blk", "--pcap", dir.resolve("x.pcap").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--all needs --echo, --net or --blk", "separate demos: choose one",
                "--json is for the default demo", "--pcap needs the default demo or --net");
        assertThat(dir.resolve("x.pcap")).doesNotExist();
    }

    @Test
    void helpDescribesTheDefaultDemoAndTheOthers() {
        assertThat(xensim("demo", "--help")).isZero();
        assertThat(out.toString()).contains("RHEL 6.0 HVM", "xen_pv_hvm=enable", "demo-guest1.cfg", "--echo",
                "--net", "--blk", "--pcap", "--json", "Exit status");
    }

    /** The cells of the first row starting with {@code label} (split on runs of two or more spaces). */
    private static List<String> columns(List<String> lines, String label) {
        String row = lines.stream().filter(l -> l.startsWith(label + " ")).findFirst().orElseThrow(
                () -> new AssertionError("no row " + label + " in:\n" + String.join("\n", lines)));
        List<String> cells = new ArrayList<>(List.of(row.split(" {2,}")));
        if (label.startsWith("dom")) {
            cells.addAll(0, List.of(cells.removeFirst().split(" ", 2))); // "dom1 demo-guest1" is one cell
        }
        return cells;
    }

    /** The lines after {@code heading} up to the next heading or the verdict, without the blank line before it. */
    private static List<String> section(List<String> lines, String heading) {
        int at = lines.indexOf(heading);
        assertThat(at).as("heading %s in:%n%s", heading, String.join("\n", lines)).isGreaterThanOrEqualTo(0);
        List<String> body = new ArrayList<>();
        for (int i = at + 1; i < lines.size() && !lines.get(i).startsWith("== ")
                && !lines.get(i).startsWith("xensim demo:"); i++) {
            body.add(lines.get(i));
        }
        while (!body.isEmpty() && body.getLast().isEmpty()) {
            body.removeLast();
        }
        return body;
    }

    private static void assertInOrder(List<String> lines, String... fragments) {
        int at = 0;
        for (String fragment : fragments) {
            int found = -1;
            for (int i = at; i < lines.size(); i++) {
                if (lines.get(i).contains(fragment)) {
                    found = i;
                    break;
                }
            }
            assertThat(found).as("\"%s\" after line %d of:%n%s", fragment, at, String.join("\n", lines))
                    .isGreaterThanOrEqualTo(0);
            at = found + 1;
        }
    }
}
