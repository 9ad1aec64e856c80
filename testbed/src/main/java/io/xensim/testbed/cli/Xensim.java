package io.xensim.testbed.cli;

import ch.qos.logback.classic.Level;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code xensim} command: the entry point of the runnable jar that {@code ./xensim} launches.
 *
 * <p>Each subcommand is one thing a user of the simulator does; each lives in its own class in this package and is
 * listed here. Exit codes pass straight through to the shell (the launcher {@code exec}s the JVM).
 *
 * <p>Logging: io.xensim logs through SLF4J to logback on stderr, at WARN unless {@code $XENSIM_LOG_LEVEL} says
 * otherwise; each {@code -v} before the subcommand lowers the level one step ({@code -v} INFO, {@code -vv} DEBUG,
 * {@code -vvv} TRACE). Only the top command takes {@code -v}: {@code bench} hands its options to JMH, whose own
 * {@code -v} means something else.
 */
@Command(name = "xensim",
        mixinStandardHelpOptions = true,
        versionProvider = Xensim.Version.class,
        description = "A simulator of Xen PV-on-HVM I/O: xenstore, grant tables, event channels and shared rings, "
                + "byte-for-byte Xen's public ABI (x86_64).",
        footer = {"",
                "Logging goes to stderr at WARN ($XENSIM_LOG_LEVEL changes it); -v before the subcommand gives INFO,"
                        + " -vv DEBUG, -vvv TRACE.",
                "Exit status: 0 success, 1 failure (a guest did not boot, a check or fault case failed, a server"
                        + " could not start; each subcommand's --help says which), 2 usage error."},
        subcommands = {
                CommandLine.HelpCommand.class,
                AbiCommand.class,
                BenchCommand.class,
                BootCommand.class,
                ConformanceCommand.class,
                DemoCommand.class,
                ScenarioCommand.class,
                TraceCommand.class,
                XenstoredCommand.class,
        })
public final class Xensim implements Runnable {
    /** The logger whose level {@code -v} sets: every io.xensim class logs below it. */
    static final String LOGGER = "io.xensim";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = {"-v", "--verbose"},
            description = "More logging on stderr: -v INFO, -vv DEBUG, -vvv TRACE (default: WARN).")
    boolean[] verbose = new boolean[0];

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        Xensim top = new Xensim();
        CommandLine cmd = new CommandLine(top).setCaseInsensitiveEnumValuesAllowed(true);
        CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
        // The level is set on every execution, so a -v of one run does not outlive it in the same JVM (tests).
        return cmd.setExecutionStrategy(parsed -> {
            logLevel(top.verbose.length);
            return run.execute(parsed);
        });
    }

    /**
     * Sets io.xensim's level: {@code $XENSIM_LOG_LEVEL} (what logback.xml gives the root), else WARN, at verbosity 0;
     * INFO, DEBUG, TRACE for 1, 2, 3 or more, unless the variable already asks for more. Nothing happens if SLF4J is
     * bound to something other than logback.
     */
    static void logLevel(int verbosity) {
        if (!(LoggerFactory.getLogger(LOGGER) instanceof ch.qos.logback.classic.Logger logger)) {
            return;
        }
        Level base = Level.toLevel(System.getenv("XENSIM_LOG_LEVEL"), Level.WARN);
        Level asked = switch (verbosity) {
            case 0 -> base;
            case 1 -> Level.INFO;
            case 2 -> Level.DEBUG;
            default -> Level.TRACE;
        };
        logger.setLevel(asked.isGreaterOrEqual(base) ? base : asked);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Xensim.class.getPackage().getImplementationVersion();
            return new String[] {"xensim " + (v == null ? "(development build)" : v)};
        }
    }
}
