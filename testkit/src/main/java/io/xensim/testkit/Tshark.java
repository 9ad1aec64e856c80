package io.xensim.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Wireshark's {@code tshark} reading a capture that xensim wrote, for tests that let the real dissectors judge our
 * frames: one row a frame, the fields asked for, with the checksum checks of the protocols named turned on.
 *
 * <p>Not a Xen concept: tshark is the judge of the pcap files xensim's bridge and ports write.
 *
 * <p><b>Threading:</b> stateless; runs tshark as a child process on the calling thread, bounded to 120 s.
 *
 * <p><b>Reference:</b> tshark(1): {@code -T fields -e ... -E separator/occurrence/aggregator}, {@code -o
 * <proto>.check_checksum:TRUE}.
 */
public final class Tshark {
    /** Where Debian's tshark package installs it. */
    public static final Path TSHARK = Path.of("/usr/bin/tshark");

    private Tshark() {
    }

    /** Skips the test without tshark, or fails it under {@code CI=true} ({@link HostTools}). */
    public static void require() {
        HostTools.require("tshark", TSHARK);
    }

    /**
     * Runs {@code tshark -n -r capture -T fields} with {@code fields} (the {@code -e name} arguments), checking the
     * checksums of {@code checkedProtocols} ({@code "ip"}, {@code "udp"}, {@code "tcp"}), with a private HOME in
     * {@code workDir} so the user's Wireshark profile stays out; fails unless tshark exits 0. Each row holds one
     * frame's fields, a field's several occurrences joined by {@code |}.
     */
    public static List<List<String>> fields(Path capture, Path workDir, List<String> checkedProtocols,
            String... fields) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(TSHARK.toString(), "-n", "-r", capture.toString()));
        for (String protocol : checkedProtocols) {
            command.addAll(List.of("-o", protocol + ".check_checksum:TRUE"));
        }
        command.addAll(List.of("-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=|"));
        command.addAll(List.of(fields));
        Path out = workDir.resolve(capture.getFileName() + ".tshark.txt");
        Path err = workDir.resolve(capture.getFileName() + ".tshark.err");
        var pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("HOME", workDir.toString());
        pb.environment().put("XDG_CONFIG_HOME", workDir.resolve(".config").toString());
        var process = pb.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("tshark did not finish within 120 s: " + command);
        }
        assertThat(process.exitValue()).as("tshark exit status; stderr: %s", Files.readString(err)).isZero();
        List<List<String>> rows = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            rows.add(List.of(line.split("\t", -1)));
        }
        return rows;
    }
}
