package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code xensim boot} over the repository's {@code examples/} (copied to a temporary directory, where the command
 * creates their sparse images): every example boots to the devices its header promises, so the examples never rot;
 * exit codes for a good config, a config error, the panic and a usage error; {@code --json}; the workloads.
 */
@Timeout(120)
class BootCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    @BeforeEach
    void copyExamples() throws IOException {
        try (Stream<Path> files = Files.list(examples())) {
            files.filter(f -> f.toString().endsWith(".cfg")).forEach(f -> {
                try {
                    Files.copy(f, dir.resolve(f.getFileName()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    static Path examples() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("examples"))) {
                return p.resolve("examples");
            }
        }
        throw new IllegalStateException("no examples/ above " + Path.of("").toAbsolutePath());
    }

    private int xensim(String... args) {
        CommandLine cli = Xensim.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private String cfg(String name) {
        return dir.resolve(name + ".cfg").toString();
    }

    /** example, extra options, exit status, the interface table rows, the block table rows, a note (or -). */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "pv-on-hvm                 |                  | 0 | eth0  xen-netfront | xvda  xen-blkfront      | -",
            "demo-guest1               |                  | 0 | eth0  xen-netfront | xvda  xen-blkfront      | -",
            "demo-guest2               |                  | 0 | eth0  xen-netfront | xvda  xen-blkfront      | -",
            "ioemu-both-nics           | --profile=rhel6.0 | 0 | eth0  8139too,eth1  xen-netfront | xvda  xen-blkfront,sda   ata_piix | CONFLICT",
            "emulated-only             |                  | 0 | eth0  8139too      | sda   ata_piix         | xen_pv_hvm=enable",
            "pv-only-vif-without-flag  |                  | 0 | -                  | sda   ata_piix         | NO NETWORK",
            "seed-type-netfront        | --toolstack=xl   | 0 | eth0  8139too      | sda   ata_piix         | -",
            "seed-type-netfront        | --toolstack=xm   | 0 | -                  | sda   ata_piix         | NO NETWORK",
            "nmi-watchdog-panic        |                  | 1 | -                  | -                      | -",
            "multi-queue               | --profile=linux  | 0 | eth0  xen-netfront | xvda  xen-blkfront     | eth0: netfront uses 4 queues",
            "multi-queue               | --profile=linux  | 0 | eth0  xen-netfront | xvda  xen-blkfront     | xvda: blkfront uses 2 rings of 1 page",
            "multi-page-ring           | --profile=linux  | 0 | eth0  xen-netfront | xvda  xen-blkfront     | xvda: blkfront uses 1 ring of 4 pages (ring-page-order 2)",
    })
    void everyExampleBootsToWhatItsHeaderSays(String example, String option, int exit, String nics, String disks,
            String note) throws IOException {
        String header = Files.readString(examples().resolve(example + ".cfg"));
        assertThat(header).startsWith("#").contains("./xensim boot examples/" + example + ".cfg");
        int status = option == null ? xensim("boot", cfg(example), "--for", "0")
                : xensim("boot", cfg(example), option, "--for", "0");

        String text = out.toString();
        assertThat(status).as(text).isEqualTo(exit);
        if (exit != 0) {
            return;
        }
        assertThat(text).contains("did not exist: created it as a sparse raw image of 64 MiB", "==> dom1 ",
                ": booted", "xensim boot: 1 of 1 guests booted; exit 0");
        assertThat(Files.size(dir.resolve(example + ".img"))).isEqualTo(64L << 20);
        String table = text.substring(text.indexOf("Network interfaces:"));
        for (String row : nics.split(",")) {
            if (!row.equals("-")) {
                assertThat(table).contains(row.strip());
            }
        }
        if (nics.equals("-")) {
            assertThat(table.lines().skip(2).takeWhile(l -> !l.isBlank() && !l.startsWith("Block"))
                    .filter(l -> l.startsWith("eth"))).isEmpty();
        }
        for (String row : disks.split(",")) {
            assertThat(table).contains(row.strip());
        }
        if (!note.equals("-")) {
            assertThat(text).contains(note);
        } else {
            assertThat(text).doesNotContain("CONFLICT", "NO NETWORK");
        }
    }

    @Test
    void thePanicExitsOneAndSaysWhy() {
        int status = xensim("boot", cfg("nmi-watchdog-panic"), "--for", "0");

        assertThat(status).isEqualTo(1);
        assertThat(out.toString()).contains("did not boot: kernel panic: nmi_watchdog=1 on an HVM guest (exit",
                "remove nmi_watchdog=1", "xensim boot: 0 of 1 guests booted; 1 did not; exit 1");
    }

    @Test
    void aConfigErrorExitsOneWithXlsMessage() throws IOException {
        Path bad = dir.resolve("bad.cfg");
        Files.writeString(bad, "name = \"bad\"\nbuilder = \"hvm\"\nmemory = 512\ndisk = [ 'target=x.img' ]\n");

        int status = xensim("boot", bad.toString(), cfg("pv-on-hvm"), "--for", "0");

        assertThat(status).isEqualTo(1);
        assertThat(out.toString()).contains("==> dom1 " + bad + ": did not boot: xl create failed:",
                "==> dom2 pv-on-hvm: booted", "xensim boot: 1 of 2 guests booted; 1 did not; exit 1");
    }

    @Test
    void aMissingConfigExitsOne() {
        int status = xensim("boot", dir.resolve("nope.cfg").toString(), "--for", "0");

        assertThat(status).isEqualTo(1);
        assertThat(out.toString()).contains("Failed to read config file", "did not boot: cannot read");
    }

    @Test
    void helpListsTheOptions() {
        assertThat(xensim("boot", "--help")).isZero();
        assertThat(out.toString()).contains("CONFIG", "--cmdline", "--profile", "--toolstack", "--for", "--workload",
                "--pcap", "--json", "sparse 64 MiB", "--xenstore-socket", "forever", "SIGTERM", "xl destroy");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(xensim("boot")).isEqualTo(2);
        assertThat(xensim("boot", cfg("pv-on-hvm"), "--profile", "windows")).isEqualTo(2);
        assertThat(xensim("boot", cfg("pv-on-hvm"), "--for", "soon")).isEqualTo(2);
        assertThat(xensim("boot", cfg("pv-on-hvm"), "--workload", "ping")).isEqualTo(2);
        assertThat(err.toString()).contains("--profile: windows", "not a duration", "needs two configs");
    }

    @Test
    void jsonGivesEachGuestsOutcomeAndDevices() {
        int status = xensim("boot", cfg("pv-on-hvm"), cfg("nmi-watchdog-panic"), "--for", "0", "--json");

        assertThat(status).isEqualTo(1);
        String json = out.toString().strip();
        assertThat(json).startsWith("{\"exit\":1,\"guests\":[{\"config\":").endsWith("}")
                .contains("\"domid\":1,\"outcome\":\"booted\",\"exit\":0",
                        "{\"name\":\"eth0\",\"driver\":\"xen-netfront\",\"mac\":\"00:16:3e:00:01:01\"",
                        "{\"name\":\"xvda\",\"driver\":\"xen-blkfront\",\"vdev\":\"hda\",\"sectors\":131072",
                        "\"domid\":2,\"outcome\":\"panicked\"", "\"reason\":\"kernel panic: nmi_watchdog=1")
                .doesNotContain("==>");
        assertThat(json.lines()).hasSize(1);
    }

    @Test
    void pingBetweenAPvGuestAndAnEmulatedGuest() throws IOException {
        Path capture = dir.resolve("xenbr0.pcap");
        int status = xensim("boot", cfg("pv-on-hvm"), cfg("emulated-only"), "--workload", "ping", "--pcap",
                capture.toString());

        String text = out.toString();
        assertThat(status).as(text).isZero();
        assertThat(text).contains("==> workload ping: ok",
                "PING 10.0.0.2 from dom1 eth0 (xen-netfront) to dom2 eth0 (8139too)",
                "4 packets transmitted, 4 received", "; workload ping ok; exit 0");
        assertThat(text).containsPattern("captured \\d+ frames of xenbr0");
        assertThat(Files.size(capture)).isGreaterThan(24);
    }

    @Test
    void diskVerifiesWhatItWroteOnPvAndEmulatedDisks() {
        int status = xensim("boot", cfg("pv-on-hvm"), cfg("emulated-only"), "--workload", "disk", "--for", "50ms");

        String text = out.toString();
        assertThat(status).as(text).isZero();
        assertThat(text).containsPattern("disk: dom1 xvda \\(xen-blkfront\\): \\d+ random writes of 4096 bytes, each"
                + " read back: \\d+ verified, 0 failed").containsPattern("disk: dom2 sda \\(ata_piix\\): .* 0 failed");
    }

    @Test
    void streamDeliversEveryFrame() {
        int status = xensim("boot", cfg("pv-on-hvm"), cfg("ioemu-both-nics"), "--workload", "stream", "--for",
                "50ms", "--json");

        assertThat(status).as(out.toString()).isZero();
        assertThat(out.toString()).contains("\"workload\":{\"name\":\"stream\",\"ok\":true");
    }
}
