package io.xensim.testbed.scenario;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link Scenario} showed: whether its claim held, the finding in a few sentences, and the facts it checked
 * (one line each, "what: observed") so a reader or a test can see why.
 *
 * <p><b>Threading:</b> immutable.
 */
public record ScenarioResult(boolean held, String finding, List<String> checks) {
    public ScenarioResult {
        Objects.requireNonNull(finding, "finding");
        checks = List.copyOf(checks);
    }

    /** A result whose claim held when every check did. */
    public static ScenarioResult of(String finding, List<Check> checks) {
        boolean all = checks.stream().allMatch(Check::passed);
        return new ScenarioResult(all, finding, checks.stream().map(Check::line).toList());
    }

    /** One fact a scenario checked. */
    public record Check(String what, boolean passed, String observed) {
        public Check {
            Objects.requireNonNull(what, "what");
            Objects.requireNonNull(observed, "observed");
        }

        String line() {
            return (passed ? "[ok]   " : "[FAIL] ") + what + ": " + observed;
        }
    }
}
