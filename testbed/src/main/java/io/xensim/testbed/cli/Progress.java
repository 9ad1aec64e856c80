package io.xensim.testbed.cli;

import java.io.Console;
import java.io.PrintWriter;

/**
 * The one-line progress report of a long run ({@code bench --quick}, {@code bench --scale}, {@code conformance}):
 * {@code [3/12] NetifPair guestToGuest-1500 ...} on stderr, rewritten in place with {@code \r}, and erased when the
 * run ends so that the results that follow start on a clean line. It prints only when a terminal is attached; a
 * run whose output goes to a file or a pipe (a CI log, {@code --json > x}) sees nothing of it.
 *
 * <p><b>Threading:</b> used by the command's thread only.
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
        if (!terminal) {
            return;
        }
        String line = "[" + n + "/" + total + "] " + what + " ...";
        err.print("\r" + line + " ".repeat(Math.max(0, shown - line.length())));
        err.flush();
        shown = line.length();
    }

    /** Erases the progress line, if one is shown. */
    void done() {
        if (!terminal || shown == 0) {
            return;
        }
        err.print("\r" + " ".repeat(shown) + "\r");
        err.flush();
        shown = 0;
    }
}
