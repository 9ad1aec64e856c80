package io.xensim.xenbus.attach;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Builds {@code libxensim-attach.so}, the {@code LD_PRELOAD} library of an outside process, from the C source that
 * ships with this class ({@code xenbus/src/main/c/xensim-attach.c}), with the host's gcc against Debian's
 * libxen-dev headers; and gives the environment such a process needs. Not a Xen concept: in Xen the process would
 * use the real libraries on the real devices.
 *
 * <p><b>Threading:</b> stateless; any thread (each build uses the directory it is given).
 */
public final class AttachLibrary {
    public static final String SOURCE = "xensim-attach.c";
    public static final String LIBRARY = "libxensim-attach.so";

    private AttachLibrary() {
    }

    /**
     * Compiles the library into {@code dir} and returns its path.
     *
     * @throws IOException when gcc is missing or fails (its output is in the message)
     */
    public static Path build(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path source = dir.resolve(SOURCE);
        try (InputStream in = AttachLibrary.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IOException(SOURCE + " is not on the class path");
            }
            Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
        }
        Path library = dir.resolve(LIBRARY);
        gcc(List.of("-std=gnu11", "-O2", "-Wall", "-fPIC", "-shared", "-o", library.toString(), source.toString(),
                "-lpthread"), dir);
        return library;
    }

    /** Runs gcc with {@code args} in {@code dir}; an error or a non-zero exit is an IOException with its output. */
    public static void gcc(List<String> args, Path dir) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("gcc");
        command.addAll(args);
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("gcc did not finish in 120 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for gcc", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException("gcc " + String.join(" ", args) + " failed:\n" + output.strip());
        }
    }

    /**
     * The environment of an outside process acting as {@code domid}: the preload, the attach socket, and
     * libxenstore's {@code XENSTORED_PATH}.
     */
    public static Map<String, String> environment(Path library, Path attachSocket, Path xenstoredSocket, int domid) {
        return Map.of("LD_PRELOAD", library.toAbsolutePath().toString(),
                "XENSIM_ATTACH", attachSocket.toAbsolutePath().toString(),
                "XENSIM_DOMID", Integer.toString(domid),
                "XENSTORED_PATH", xenstoredSocket.toAbsolutePath().toString());
    }
}
