package io.xensim.xenbus.bus;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.store.wire.XsValues;
import java.util.EnumSet;
import java.util.Set;

/**
 * The state of one end of a xenbus device ({@code enum xenbus_state}, xen/io/xenbus.h). The code is the decimal
 * number written to the end's {@code state} key in xenstore, which is the single source of truth: a driver learns
 * the other end's state only by reading that key.
 *
 * <p>Xen does not define which transitions are legal, and Linux's {@code xenbus_switch_state()} does not check. The
 * graph enforced here ({@link #canSwitchTo}) is the union of the paths the protocol headers describe:
 * <pre>
 *   from            may switch to
 *   Unknown         Initialising, Closed
 *   Initialising    InitWait, Initialised, Connected, Closing, Closed
 *   InitWait        Initialised, Connected, Closing, Closed
 *   Initialised     Connected, Closing, Closed
 *   Connected       Reconfiguring, Closing, Closed
 *   Reconfiguring   Reconfigured, Closing, Closed
 *   Reconfigured    Connected, Closing, Closed
 *   Closing         Closed
 *   Closed          Initialising (frontend reconnect: Linux blkfront/netfront after the backend comes back),
 *                   InitWait     (backend reconnect: Linux xen-blkback frontend_changed "prepare for reconnect")
 * </pre>
 * Forward steps may skip states (blkif.h: "a frontend may transition to Initialised without waiting for the
 * backend to enter InitWait"; netfront goes Initialising → Connected; "a backend may transition to Initialised,
 * bypassing InitWait"). Backward steps are refused except through Closed, and nothing returns to Unknown, which
 * means "no state key" (Linux's {@code xenbus_read_driver_state()} of a missing node).
 *
 * <p><b>Reference:</b> the state diagrams of io/blkif.h and io/netif.h, Linux drivers/xen/xenbus/xenbus_client.c.
 */
public enum XenbusState {
    /** {@code XenbusStateUnknown}: also what a missing {@code state} key reads as. */
    UNKNOWN(0),
    /** {@code XenbusStateInitialising}: the toolstack creates both ends in this state. */
    INITIALISING(1),
    /** {@code XenbusStateInitWait}: early initialisation done, waiting for the peer (backend: features written). */
    INIT_WAIT(2),
    /** {@code XenbusStateInitialised}: waiting for a connection from the peer (frontend: ring refs written). */
    INITIALISED(3),
    /** {@code XenbusStateConnected}. */
    CONNECTED(4),
    /** {@code XenbusStateClosing}: closing because of an error or an unplug. */
    CLOSING(5),
    /** {@code XenbusStateClosed}. */
    CLOSED(6),
    /** {@code XenbusStateReconfiguring}. */
    RECONFIGURING(7),
    /** {@code XenbusStateReconfigured}. */
    RECONFIGURED(8);

    private static final XenbusState[] BY_CODE = values();

    private final int code;

    XenbusState(int code) {
        this.code = code;
    }

    /** The ABI value, written in decimal to the {@code state} key. */
    public int code() {
        return code;
    }

    /** The C enumerator's name, e.g. {@code XenbusStateInitWait}, for messages and the timeline. */
    public String cName() {
        return switch (this) {
            case UNKNOWN -> "XenbusStateUnknown";
            case INITIALISING -> "XenbusStateInitialising";
            case INIT_WAIT -> "XenbusStateInitWait";
            case INITIALISED -> "XenbusStateInitialised";
            case CONNECTED -> "XenbusStateConnected";
            case CLOSING -> "XenbusStateClosing";
            case CLOSED -> "XenbusStateClosed";
            case RECONFIGURING -> "XenbusStateReconfiguring";
            case RECONFIGURED -> "XenbusStateReconfigured";
        };
    }

    /** The short name used in logs and the timeline: {@code InitWait}, {@code Connected}, … */
    public String shortName() {
        return cName().substring("XenbusState".length());
    }

    public static XenbusState fromCode(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("code: " + code + " (expected: 0..8)");
        }
        return BY_CODE[code];
    }

    /**
     * Parses the value of a {@code state} key written by another domain: a decimal number 0..8, as Linux's
     * {@code xenbus_read_driver_state()} scans it with {@code "%d"} ({@link XsValues}: ASCII digits only).
     * Anything else is malformed, not an exception.
     */
    public static Decoded<XenbusState> parse(String value) {
        return switch (XsValues.parseInt(value, 0, BY_CODE.length - 1)) {
            case Decoded.Ok<Integer>(Integer code) -> Decoded.ok(BY_CODE[code]);
            case Decoded.Malformed<Integer>(String reason) -> Decoded.malformed("state: " + reason);
        };
    }

    /** The peer's state as read from xenstore: a missing or malformed key counts as {@link #UNKNOWN}. */
    public static XenbusState parseOrUnknown(String value) {
        return parse(value) instanceof Decoded.Ok<XenbusState>(var state) ? state : UNKNOWN;
    }

    /** The states this one may switch to (see the class comment); switching to the same state is a no-op. */
    public Set<XenbusState> successors() {
        return switch (this) {
            case UNKNOWN -> EnumSet.of(INITIALISING, CLOSED);
            case INITIALISING -> EnumSet.of(INIT_WAIT, INITIALISED, CONNECTED, CLOSING, CLOSED);
            case INIT_WAIT -> EnumSet.of(INITIALISED, CONNECTED, CLOSING, CLOSED);
            case INITIALISED -> EnumSet.of(CONNECTED, CLOSING, CLOSED);
            case CONNECTED -> EnumSet.of(RECONFIGURING, CLOSING, CLOSED);
            case RECONFIGURING -> EnumSet.of(RECONFIGURED, CLOSING, CLOSED);
            case RECONFIGURED -> EnumSet.of(CONNECTED, CLOSING, CLOSED);
            case CLOSING -> EnumSet.of(CLOSED);
            case CLOSED -> EnumSet.of(INITIALISING, INIT_WAIT);
        };
    }

    /** True when {@code next} is this state or one of its {@link #successors()}. */
    public boolean canSwitchTo(XenbusState next) {
        return next == this || successors().contains(next);
    }

    @Override
    public String toString() {
        return shortName();
    }
}
