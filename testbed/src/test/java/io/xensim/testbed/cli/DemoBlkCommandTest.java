package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.image.RawImage;
import io.xensim.testbed.scenario.BlkDemo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(120)
class DemoBlkCommandTest {
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
    void blkDemoWritesReadsDiscardsAndSurvivesABackendRestartWithoutLosingAWrite() throws IOException {
        Path image = dir.resolve("disk.img");
        int status = xensim("demo", "--blk", "--image", image.toString());

        assertThat(status).as(err.toString()).isZero();
        assertThat(err.toString()).isEmpty();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).contains("vbd xvda (virtual-device 51712) added as libxl adds it, over image " + image
                + " (created: sparse, 64 MiB)");

        // 64 KiB = 16 pages: one indirect request (blkfront's default 32 indirect segments, blkback offers 256).
        assertThat(section(lines, "== operations (the guest's I/O; each ring line is a request blkfront put on the "
                + "shared ring)")).satisfiesExactly(
                l -> assertThat(l).isEqualTo("write 64 KiB at sector 2048 (pattern \"xensim sector 2048 ...\" in "
                        + "every sector): OK"),
                l -> assertThat(l).matches(" {4}ring \\d: BLKIF_OP_INDIRECT \\(BLKIF_OP_WRITE\\) id \\d+ sector 2048,"
                        + " 16 segments first_sect..last_sect 16x 0..7 in 1 indirect page\\(s\\), gref \\d+"),
                l -> assertThat(l).isEqualTo("write FUA 4 KiB at sector 4096: OK"),
                // feature-flush-cache without barriers: a FUA write is a cache flush carrying the data.
                l -> assertThat(l).matches(" {4}ring \\d: BLKIF_OP_FLUSH_DISKCACHE id \\d+ sector 4096, 1 segment "
                        + "first_sect..last_sect 0..7"),
                l -> assertThat(l).isEqualTo("flush: OK"),
                l -> assertThat(l).matches(" {4}ring \\d: BLKIF_OP_FLUSH_DISKCACHE id \\d+ sector 0"),
                l -> assertThat(l).isEqualTo("read 64 KiB at sector 2048: OK; the data matches what was written"),
                l -> assertThat(l).matches(" {4}ring \\d: BLKIF_OP_INDIRECT \\(BLKIF_OP_READ\\) id \\d+ sector 2048,"
                        + " 16 segments .*"),
                l -> assertThat(l).isEqualTo("discard 64 sectors at sector 2112: OK"),
                l -> assertThat(l).matches(" {4}ring \\d: BLKIF_OP_DISCARD id \\d+ sector 2112, 64 sectors"),
                l -> assertThat(l).isEqualTo("read 64 sectors at sector 2112: OK; all zeros: the discarded range "
                        + "reads back as zeros"),
                l -> assertThat(l).matches(" {4}ring \\d: BLKIF_OP_READ id \\d+ sector 2112, 8 segments "
                        + "first_sect..last_sect 8x 0..7"));

        assertThat(section(lines, "== negotiated (what blkfront chose of what blkback offers)")).containsExactly(
                "disk: 131072 sectors of 512 bytes (physical 4096)",
                "ring-page-order: 0 (1 page(s) per ring)",
                "queues: 4",
                "persistent grants: on",
                "indirect descriptors: up to 32 segments per request",
                "flush: BLKIF_OP_FLUSH_DISKCACHE; FUA writes: writes carried by BLKIF_OP_FLUSH_DISKCACHE",
                "discard: on (granularity 4096 bytes, alignment 0, secure off)",
                "bounce buffers: on");

        // xenstore-ls -p's layout: dots to column 60, two spaces, the permissions.
        assertThat(section(lines, "== xenstore-ls -p " + BlkDemo.frontendDir())).startsWith(
                "backend = \"/local/domain/0/backend/vbd/1/51712\"  . . . . . .  (n1,r0)",
                "backend-id = \"0\" . . . . . . . . . . . . . . . . . . . . . .  (n1,r0)",
                "state = \"4\"  . . . . . . . . . . . . . . . . . . . . . . . .  (n1,r0)",
                "virtual-device = \"51712\" . . . . . . . . . . . . . . . . . .  (n1,r0)")
                .contains("multi-queue-num-queues = \"4\" . . . . . . . . . . . . . . . .  (n1,r0)",
                        "protocol = \"x86_64-abi\"  . . . . . . . . . . . . . . . . . .  (n1,r0)",
                        "feature-persistent = \"1\" . . . . . . . . . . . . . . . . . .  (n1,r0)");
        assertThat(section(lines, "== xenstore-ls -p " + BlkDemo.backendDir())).contains(
                "script = \"/etc/xen/scripts/block\"  . . . . . . . . . . . . .  (n0,r1)",
                "type = \"phy\" . . . . . . . . . . . . . . . . . . . . . . . .  (n0,r1)",
                "mode = \"w\" . . . . . . . . . . . . . . . . . . . . . . . . .  (n0,r1)",
                "physical-device = \"7:0\"  . . . . . . . . . . . . . . . . . .  (n0,r1)",
                "hotplug-status = \"connected\" . . . . . . . . . . . . . . . .  (n0,r1)",
                "feature-max-indirect-segments = \"256\"  . . . . . . . . . . .  (n0,r1)",
                "feature-flush-cache = \"1\"  . . . . . . . . . . . . . . . . .  (n0,r1)",
                "feature-discard = \"1\"  . . . . . . . . . . . . . . . . . . .  (n0,r1)",
                "sectors = \"131072\" . . . . . . . . . . . . . . . . . . . . .  (n0,r1)",
                "sector-size = \"512\"  . . . . . . . . . . . . . . . . . . . .  (n0,r1)",
                "state = \"4\"  . . . . . . . . . . . . . . . . . . . . . . . .  (n0,r1)");
        assertThat(lines).allSatisfy(l -> {
            if (l.contains(" . . ")) {
                assertThat(l.indexOf("  (")).as(l).isEqualTo(60);
            }
        });

        List<String> handshake = section(lines, "== handshake (from the vbd's add until both ends are Connected)");
        assertThat(handshake)
                .anyMatch(l -> l.contains("vbd/1/51712") && l.contains("==> backend Initialising -> InitWait (2)"))
                .anyMatch(l -> l.contains("XS_WRITE " + BlkDemo.backendDir() + "/hotplug-status = \"connected\""))
                .anyMatch(l -> l.contains("d1 guest1") && l.contains("==> frontend Initialising -> Initialised (3)"))
                .anyMatch(l -> l.contains("vbd/1/51712") && l.contains("==> backend InitWait -> Connected (4)"))
                .anyMatch(l -> l.contains("d1 guest1") && l.contains("-> Connected (4)"));

        List<String> restart = section(lines, "== backend restart (toolstack removeBackend + restoreBackend, as a "
                + "driver domain restart) with 8 writes of 32 KiB submitted after dom0 tore the backend down, before "
                + "the guest noticed");
        int resume = indexOf(restart, "blkfront_resume: xvda: 8 request(s) in flight taken back: 0 "
                + "flush/discard/FUA re-queued whole, 8 read/write(s) to be re-split on reconnect");
        int recover = indexOf(restart, "blkif_recover: xvda: re-issuing 8 queued request(s) first, reads and writes "
                + "re-split to 32 segments per request over 4 ring(s), fresh grants and ids");
        assertThat(resume).isLessThan(recover);
        assertThat(restart.subList(0, resume)).filteredOn(l -> l.contains("RING")).hasSize(8);
        assertThat(restart.subList(recover, restart.size())).filteredOn(l -> l.contains("RING  "))
                .hasSize(8).allMatch(l -> l.contains("BLKIF_OP_WRITE"));
        assertThat(restart).anyMatch(l -> l.contains("released the loop device of an earlier backend"));
        assertThat(lines).contains("restart: 0 of 8 writes had completed when the backend came back; 8 of 8 "
                + "completed exactly once with OK; the image file holds every one of them");
        assertThat(lines.getLast()).isEqualTo("summary: xvda connected; 6 of 6 operations OK in 6 ring requests; "
                + "backend restarted, blkif_recover ran 1 time(s); 8 of 8 in-flight writes completed exactly once "
                + "and are in the image; vbd removed; no grants, ports, mappings or watches left");

        // The image is kept, 64 MiB, with the pattern at sector 2048 and zeros where it was discarded.
        assertThat(Files.size(image)).isEqualTo(64L * 1024 * 1024);
        byte[] bytes = Files.readAllBytes(image);
        assertThat(new String(bytes, 2048 * 512, 19, StandardCharsets.US_ASCII)).isEqualTo("xensim sector 2048 ");
        assertThat(new String(bytes, 2111 * 512, 19, StandardCharsets.US_ASCII)).isEqualTo("xensim sector 2111 ");
        assertThat(Arrays.copyOfRange(bytes, 2112 * 512, 2176 * 512)).containsOnly(0);
        assertThat(new String(bytes, 8192 * 512, 19, StandardCharsets.US_ASCII)).isEqualTo("xensim sector 8192 ");
        assertThat(new String(bytes, 8703 * 512, 19, StandardCharsets.US_ASCII)).isEqualTo("xensim sector 8703 ");
    }

    @Test
    void blkDemoIsDeterministicAndReusesAnExistingImage() {
        Path image = dir.resolve("again.img");
        assertThat(xensim("demo", "--blk", "--image", image.toString())).isZero();
        String first = out.toString();
        out.getBuffer().setLength(0);
        assertThat(xensim("demo", "--blk", "--image", image.toString())).isZero();
        String second = out.toString();
        assertThat(second).contains("over image " + image + " (existing)");
        assertThat(second.replace(" (existing)", "")).isEqualTo(first.replace(" (created: sparse, 64 MiB)", ""));
    }

    @Test
    void withoutImageATemporaryImageIsUsedAndDeleted() {
        assertThat(xensim("demo", "--blk")).isZero();
        String line = out.toString().lines().filter(l -> l.startsWith("vbd xvda ")).findFirst().orElseThrow();
        Path image = Path.of(line.replaceAll(".* over image (\\S+) \\(created: sparse, 64 MiB\\)$", "$1"));
        assertThat(image.getFileName().toString()).isEqualTo("xvda.img");
        assertThat(image).doesNotExist();
        assertThat(image.getParent()).doesNotExist();
    }

    @Test
    void aTooSmallImageIsRefusedWithAMessage() throws IOException {
        Path image = dir.resolve("small.img");
        Files.write(image, new byte[4096]);
        assertThat(xensim("demo", "--blk", "--image", image.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("xensim demo --blk: " + image + " is too small for the demo: 4096 bytes, "
                + "it needs at least " + BlkDemo.MIN_IMAGE_BYTES);
        assertThat(Files.size(image)).isEqualTo(4096);
    }

    @Test
    void anImageLockedByAnotherUserIsRefusedByTheBlockScript() throws IOException {
        Path image = dir.resolve("busy.img");
        try (var holder = RawImage.create(image, BlkDemo.IMAGE_SECTORS, RawImage.Allocation.SPARSE)) {
            assertThat(xensim("demo", "--blk", "--image", image.toString())).isEqualTo(1);
        }
        assertThat(err.toString()).startsWith("xensim demo --blk: vbd xvda did not connect: ").contains(image.toString());
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void imageWithoutBlkAndBlkWithNetAreUsageErrors() {
        assertThat(xensim("demo", "--image", dir.resolve("x.img").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--image needs --blk");
        assertThat(dir.resolve("x.img")).doesNotExist();
        assertThat(xensim("demo", "--blk", "--net")).isEqualTo(2);
        assertThat(err.toString()).contains("--net and --blk are separate demos");
    }

    private static int indexOf(List<String> lines, String detail) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).endsWith(detail)) {
                return i;
            }
        }
        throw new AssertionError("no line ending in " + detail + " in:\n" + String.join("\n", lines));
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
}
