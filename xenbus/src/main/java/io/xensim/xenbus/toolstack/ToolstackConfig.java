package io.xensim.xenbus.toolstack;

import io.xensim.xenbus.bus.XenbusConfig;
import io.xensim.xenbus.store.server.XenstoredConfig;
import java.util.Objects;

/**
 * Settings of the toolstack.
 *
 * @param xenstored     quotas of the xenstored it starts in dom0
 * @param xenbus        handshake timeouts of every domain's buses; also how long an unplug waits for the backend
 *                      to reach Closed before the directories are removed anyway (libxl's
 *                      {@code LIBXL_DESTROY_TIMEOUT})
 * @param guestXenstore how a guest reaches xenstore (its xenstore ring, {@link GuestXenstore#RING}, by default; or {@link GuestXenstore#IN_PROCESS})
 * @param dom0MemoryMiB memory of dom0
 */
public record ToolstackConfig(XenstoredConfig xenstored, XenbusConfig xenbus, GuestXenstore guestXenstore,
                              long dom0MemoryMiB) {
    public ToolstackConfig {
        Objects.requireNonNull(xenstored, "xenstored");
        Objects.requireNonNull(xenbus, "xenbus");
        Objects.requireNonNull(guestXenstore, "guestXenstore");
        if (dom0MemoryMiB < 1) {
            throw new IllegalArgumentException("dom0MemoryMiB: " + dom0MemoryMiB + " (expected: >= 1)");
        }
    }

    public static ToolstackConfig defaults() {
        return new ToolstackConfig(XenstoredConfig.defaults(), XenbusConfig.defaults(), GuestXenstore.RING, 64);
    }

    public ToolstackConfig withXenbus(XenbusConfig v) {
        return new ToolstackConfig(xenstored, v, guestXenstore, dom0MemoryMiB);
    }

    public ToolstackConfig withGuestXenstore(GuestXenstore v) {
        return new ToolstackConfig(xenstored, xenbus, v, dom0MemoryMiB);
    }
}
