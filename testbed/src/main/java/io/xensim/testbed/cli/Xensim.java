package io.xensim.testbed.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code xensim} command: the entry point of the runnable jar that {@code ./xensim} launches.
 *
 * <p>Each subcommand is one thing a user of the simulator does; each lives in its own class in this package and is
 * listed here. Exit codes pass straight through to the shell (the launcher {@code exec}s the JVM).
 */
@Command(name = "xensim",
        mixinStandardHelpOptions = true,
        versionProvider = Xensim.Version.class,
        description = "A simulator of Xen PV-on-HVM I/O: xenstore, grant tables, event channels and shared rings, "
                + "byte-for-byte Xen's public ABI (x86_64).",
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
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        return new CommandLine(new Xensim()).setCaseInsensitiveEnumValuesAllowed(true);
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
