package io.xensim.testbed.fault;

/**
 * One injected fault against the built-in peers: what is done ({@link #name()}), the outcome the protocol promises
 * for it ({@link #expected()}, written down before it runs) and {@link #inject()}, which builds a fresh pair,
 * injects the fault and checks the outcome.
 *
 * <p><b>Threading:</b> {@link #inject()} runs on the caller's thread, which steps every domain (INVOKER mode).
 */
public interface Fault {
    String name();

    String expected();

    /** Builds the pair, injects the fault and checks; never hangs (every wait is bounded by the domains' work). */
    Outcome inject();

    /** What was observed; {@code passed} when it is the expected outcome. */
    record Outcome(boolean passed, String observed) {
        static Outcome check(boolean passed, String observed) {
            return new Outcome(passed, observed);
        }
    }
}
