package io.xensim.testbed.fault;

import java.util.List;

/** The fault cases {@code xensim conformance} runs: the block path's, then the network path's, most valuable first. */
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
                new XenstoreQuota(),
                new DelayedNotifications(),
                new BlkHotUnplug(false),
                new BlkHotUnplug(true),
                new NetBackendRestart(),
                new NetCorruptResponse(),
                new NetUndrainedRing(),
                new NetDroppedNotification(),
                new NetDelayedNotifications(),
                new NetGrantEndedEarly(),
                new NetHotUnplug());
    }
}
