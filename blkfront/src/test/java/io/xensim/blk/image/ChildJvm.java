package io.xensim.blk.image;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A second JVM running a test main class on this JVM's class path, with bounded waits on its output and exit;
 * {@link #close()} kills it if it is still there, so a failed test leaves no process behind.
 */
final class ChildJvm implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);

    private final Process process;
    private final BufferedReader stdout;

    private ChildJvm(Process process) {
        this.process = process;
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    static ChildJvm start(Class<?> main, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("no java command"));
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-ea",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ChildJvm(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    long pid() {
        return process.pid();
    }

    /** The child's next line of output, or a failure naming the wait if none comes in {@link #WAIT}. */
    String readLine() throws IOException, InterruptedException {
        try {
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return stdout.readLine();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new IOException("child " + pid() + " ended its output (exit " + exitValueOrRunning() + ")");
            }
            return line;
        } catch (TimeoutException e) {
            throw new IOException("child " + pid() + " printed nothing in " + WAIT, e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    /** Ends the child's stdin (a holder then releases and exits). */
    void closeStdin() throws IOException {
        OutputStream in = process.getOutputStream();
        in.close();
    }

    /** Waits (bounded) for the child to exit and returns its exit code. */
    int waitFor() throws InterruptedException, IOException {
        if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException("child " + pid() + " still running after " + WAIT);
        }
        return process.exitValue();
    }

    /** SIGKILL, and wait (bounded) until it is gone. */
    void kill() throws InterruptedException, IOException {
        process.destroyForcibly();
        waitFor();
    }

    private String exitValueOrRunning() {
        return process.isAlive() ? "still running" : Integer.toString(process.exitValue());
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
