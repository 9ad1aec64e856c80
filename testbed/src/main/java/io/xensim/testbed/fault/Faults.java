package io.xensim.testbed.fault;

import java.util.List;

/** The fault cases {@code xensim conformance} runs, most valuable first. */
public final class Faults {
    private Faults() {
    }

    public static List<Fault> all() {
        return List.of(
                new BackendRestart(8),
                new CorruptResponse(),
                new UndrainedRing(),
                new DroppedNotification(),
                new GrantEndedEarly(),
                new XenstoreQuota());
    }
}
