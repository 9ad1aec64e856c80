/** The {@code xensim} command line: one picocli subcommand per thing a user of the simulator does. */
package io.xensim.testbed.cli;
