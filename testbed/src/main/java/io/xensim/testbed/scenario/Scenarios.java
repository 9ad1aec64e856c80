package io.xensim.testbed.scenario;

import java.util.List;
import java.util.Optional;

/**
 * The scenarios {@code xensim scenario} knows, in the order it lists them: the one place a new scenario is added.
 *
 * <p><b>Threading:</b> immutable.
 */
public final class Scenarios {
    private static final List<Scenario> ALL = List.of(
            new PvOnHvm(),
            new TypeNetfront(),
            new BothNicsOneMac(),
            new NmiWatchdog(),
            new LiveDiskSecondWriter(),
            new SparseUnalignedWrites(),
            new HotplugEmulatedNicRefused(),
            new TxPolicyScenario(),
            new StalledBackend());

    private Scenarios() {
    }

    public static List<Scenario> all() {
        return ALL;
    }

    public static Optional<Scenario> named(String name) {
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
