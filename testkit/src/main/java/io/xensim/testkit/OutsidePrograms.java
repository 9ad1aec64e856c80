package io.xensim.testkit;

import io.xensim.xenbus.attach.AttachLibrary;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The C programs tests run outside the JVM as drivers of another domain ({@code testkit/src/main/c}: a blkback, a
 * program that probes the attach library's answers), compiled with the host's gcc against Debian's libxen-dev and
 * linked against its real libraries; under xensim they run with {@code LD_PRELOAD} of {@link AttachLibrary}.
 * Call {@link HostTools#requireGccAndXenHeaders()} first.
 *
 * <p>Not a Xen concept: a stand-in for a driver domain's userspace backend (as QEMU's qdisk is one).
 *
 * <p><b>Threading:</b> stateless; any thread, each build in the directory it is given.
 */
public final class OutsidePrograms {
    public static final String BLKBACK = "blkback";
    public static final String ATTACH_CHECKS = "attach-checks";
    public static final String NETFRONT = "netfront";

    private OutsidePrograms() {
    }

    /** Compiles {@code name}.c into {@code dir/name}, linking {@code libraries} ({@code xenstore}, ...). */
    public static Path build(String name, Path dir, String... libraries) throws IOException {
        Files.createDirectories(dir);
        Path source = dir.resolve(name + ".c");
        try (InputStream in = OutsidePrograms.class.getResourceAsStream("c/" + name + ".c")) {
            if (in == null) {
                throw new IOException(name + ".c is not on the class path");
            }
            Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
        }
        Path program = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("-std=gnu11", "-O2", "-Wall", "-o", program.toString(),
                source.toString()));
        for (String library : libraries) {
            args.add("-l" + library);
        }
        AttachLibrary.gcc(args, dir);
        return program;
    }

    /** What a program has written to {@code log} so far: "" before the file exists, the error if it cannot be read. */
    public static String output(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /**
     * Polls {@code condition} until it holds, for at most {@code timeout}: a process outside the JVM gives the test
     * no event to wait on, only its output and the state it leaves in the host, so this is a bounded poll.
     */
    public static boolean await(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(2_000_000);
        }
        return true;
    }
}
