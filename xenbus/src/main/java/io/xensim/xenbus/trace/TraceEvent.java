package io.xensim.xenbus.trace;

import java.util.Objects;

/**
 * One recorded step of Xen I/O: a xenbus state change, a xenstore request or watch event, a grant operation or an
 * event-channel send.
 *
 * @param timeNs when it happened, on the hypervisor's clock
 * @param domid  the domain that acted (the caller of the hypercall, the client of xenstore, the device's end)
 * @param device the device it concerns, e.g. {@code "vif/0"}, or {@code ""} when none
 * @param kind   what sort of step it was
 * @param detail a human-readable description, e.g. {@code "XS_WRITE /local/domain/1/device/vif/0/state = 4"}
 */
public record TraceEvent(long timeNs, int domid, String device, Kind kind, String detail) {
    public TraceEvent {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }

    public enum Kind {
        STATE,
        XENSTORE_REQUEST,
        XENSTORE_REPLY,
        WATCH_EVENT,
        GRANT,
        EVENT_CHANNEL,
        RING,
        DOMAIN,
        INFO
    }
}
