package io.xensim.xenbus.event;

/**
 * A fault-injection hook on {@code EVTCHNOP_send}: consulted once per send on a bound interdomain port, before the
 * remote port is raised. Returning false drops that one notification (the sender still sees success, as a lost
 * interrupt looks to it). Real Xen has no such hook; it exists so a test bed can lose events on purpose.
 *
 * <p><b>Threading:</b> called on the sending domain's thread; an implementation must be thread-safe.
 */
@FunctionalInterface
public interface SendFilter {
    /** Lets every event through. */
    SendFilter NONE = (fromDomid, fromPort, toDomid, toPort) -> true;

    /** Whether the event sent by {@code fromDomid}'s {@code fromPort} reaches {@code toDomid}'s {@code toPort}. */
    boolean deliver(int fromDomid, int fromPort, int toDomid, int toPort);
}
