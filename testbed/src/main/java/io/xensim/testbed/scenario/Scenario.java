package io.xensim.testbed.scenario;

import java.io.PrintWriter;

/**
 * One of the seed's findings, replayed on the simulator: {@code xensim scenario NAME} runs it, it prints what it
 * does as it goes, and its {@link ScenarioResult} says whether the claim held and what was shown.
 *
 * <p>Adding a scenario is adding a class and one line in {@link Scenarios}.
 *
 * <p><b>Threading:</b> {@link #run} is called on the caller's thread; a scenario builds and closes its own host.
 */
public interface Scenario {
    /** The name on the command line: lower case, words joined by {@code -}. */
    String name();

    /** One line for the list. */
    String summary();

    /** Runs the scenario, printing its steps to {@code out}; the result's finding is printed by the caller. */
    ScenarioResult run(PrintWriter out);
}
