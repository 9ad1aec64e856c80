package io.xensim.testbed.cli;

import ch.qos.logback.classic.Level;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.socket.XenstoredSocketServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code xensim xenstored --socket PATH}: runs xensim's xenstored in the foreground on a Unix domain socket, for
 * Debian's xenstore-utils ({@code XENSTORED_PATH=PATH xenstore-ls /}) and pyxs. Every socket client acts as dom0.
 *
 * <p>One epoll thread does the socket I/O and xenstored's work, as C xenstored's single thread does. Logs go
 * through SLF4J to stderr; stdout gets one line, {@code xenstored listening on PATH}, once clients can connect.
 * SIGINT or SIGTERM stops it: the socket file is removed and the exit status is 0.
 */
@Command(name = "xenstored",
        description = {
                "Run xenstored in the foreground on a Unix domain socket (clients: XENSTORED_PATH=PATH xenstore-ls /).",
                "A PATH where a server is listening is refused; a stale socket file is replaced.",
                "Exit status: 0 after SIGINT/SIGTERM, 1 if the socket cannot be served, 2 usage error."},
        mixinStandardHelpOptions = true)
public final class XenstoredCommand implements Callable<Integer> {
    static final int STOPPED = 0;
    static final int CANNOT_SERVE = 1;

    private static final Logger log = LoggerFactory.getLogger(XenstoredCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--socket", required = true, paramLabel = "PATH", description = "The socket to listen on.")
    Path socket;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "TRACE, DEBUG, INFO, WARN or ERROR (default: $XENSIM_LOG_LEVEL, else INFO; `xensim -vv "
                    + "xenstored` gives DEBUG).")
    String logLevel;

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch ready = new CountDownLatch(1);

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // A foreground daemon logs its connections: INFO unless told otherwise, or more if the top command's -v
        // asked for more. Set on io.xensim's logger, the one -v sets (the root's level does not reach it).
        if (LoggerFactory.getLogger(Xensim.LOGGER) instanceof ch.qos.logback.classic.Logger logback) {
            Level asked = Level.toLevel(logLevel != null ? logLevel : System.getenv("XENSIM_LOG_LEVEL"), Level.INFO);
            if (logLevel != null || !asked.isGreaterOrEqual(logback.getEffectiveLevel())) {
                logback.setLevel(asked);
            }
        }
        MultiThreadIoEventLoopGroup group = XenstoredSocketServer.newEventLoopGroup(1);
        XenstoredSocketServer server;
        try {
            server = XenstoredSocketServer.start(new Xenstored(group.next()), socket, group);
        } catch (IOException e) {
            err.println("xensim xenstored: " + e.getMessage());
            err.flush();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            return CANNOT_SERVE;
        }
        Runnable shutdown = () -> {
            server.close();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        };
        // The safety net for any other way out of the JVM: the socket file never outlives the server.
        Thread hook = new Thread(shutdown, "xenstored-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Signals.onInterruptOrTerminate(stop::countDown);
        out.println("xenstored listening on " + server.socketPath());
        out.flush();
        ready.countDown();
        try {
            stop.await();
        } finally {
            log.info("stopping");
            shutdown.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is already shutting down; the hook has run or will, and closing twice is harmless.
            }
        }
        return STOPPED;
    }

    /** Tests: waits until clients can connect. */
    boolean awaitReady(long timeout, TimeUnit unit) throws InterruptedException {
        return ready.await(timeout, unit);
    }

    /** Stops the server as SIGTERM would. */
    void stop() {
        stop.countDown();
    }

    /**
     * SIGINT and SIGTERM as a request to stop gracefully, through {@code sun.misc.Signal} (jdk.unsupported): the
     * main thread then closes the server and the command returns 0. Without that API, the shutdown hook still
     * removes the socket, and the JVM's own exit status for the signal stands.
     */
    static final class Signals {
        private Signals() {
        }

        static void onInterruptOrTerminate(Runnable action) {
            for (String name : new String[] {"INT", "TERM"}) {
                try {
                    sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
                } catch (IllegalArgumentException | UnsupportedOperationException e) {
                    log.warn("cannot handle SIG{}: {}", name, e.toString());
                }
            }
        }
    }
}
