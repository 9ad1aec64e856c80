package io.xensim.testbed.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one-line progress report of a long run ({@code bench --quick}, {@code bench --scale}, {@code conformance}):
 * {@code [3/12] NetifPair guestToGuest-1500 ...} on stderr, rewritten in place with {@code \r}, and erased when the
 * run ends so that the results that follow start on a clean line. It prints only when a terminal is attached; a
 * run whose output goes to a file or a pipe (a CI log, {@code --json > x}) sees nothing of it.
 *
 * <p>A run of known length whose work gives no steps ({@code boot --for 10s --workload stream}) uses
 * {@link #during}: a daemon thread rewrites {@code [3 s/10 s] what} once a second until the run closes it.
 *
 * <p><b>Threading:</b> the command's thread, and the ticker thread of {@link #during}; the methods that print
 * are synchronized so that their lines do not interleave.
 */
final class Progress {
    private final PrintWriter err;
    private final boolean terminal;
    /** Length of the line now shown, to blank what a shorter next line would leave behind. */
    private int shown;

    Progress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** Progress on the command's stderr, shown only if the JVM runs on a terminal. */
    static Progress onStderr(picocli.CommandLine.Model.CommandSpec spec) {
        return new Progress(spec.commandLine().getErr(), terminalAttached());
    }

    /**
     * Whether the JVM's console is a terminal. Since JDK 22 {@link System#console()} returns a console even when
     * stdin or stdout is redirected; {@link Console#isTerminal()} tells the two apart.
     */
    static boolean terminalAttached() {
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    /** Shows step {@code n} of {@code total} (1-based): {@code what} is starting. */
    void step(int n, int total, String what) {
        show("[" + n + "/" + total + "] " + what + " ...");
    }

    /**
     * Shows {@code [elapsed/total] what} once a second, from a daemon thread, until the returned handle is closed
     * (which erases the line). Without a terminal nothing is started.
     */
    Running during(String what, Duration total) {
        if (!terminal) {
            return () -> { };
        }
        long start = System.nanoTime();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
                .name("xensim-progress").daemon().unstarted(r));
        ticker.scheduleAtFixedRate(() -> tick(what, Duration.ofNanos(System.nanoTime() - start), total),
                0, 1, TimeUnit.SECONDS);
        return () -> {
            ticker.shutdownNow();
            try {
                // A tick already printing finishes before the line is erased, so that nothing is left after it.
                ticker.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            done();
        };
    }

    /** The handle of {@link #during}: closing it stops the updates and erases the line. */
    interface Running extends AutoCloseable {
        @Override
        void close();
    }

    /** One update of {@link #during}'s line. */
    void tick(String what, Duration elapsed, Duration total) {
        show("[" + elapsed.toSeconds() + " s/" + total.toSeconds() + " s] " + what + " ...");
    }

    private synchronized void show(String line) {
        if (!terminal) {
            return;
        }
        err.print("\r" + line + " ".repeat(Math.max(0, shown - line.length())));
        err.flush();
        shown = line.length();
    }

    /** Erases the progress line, if one is shown. */
    synchronized void done() {
        if (!terminal || shown == 0) {
            return;
        }
        err.print("\r" + " ".repeat(shown) + "\r");
        err.flush();
        shown = 0;
    }
}
