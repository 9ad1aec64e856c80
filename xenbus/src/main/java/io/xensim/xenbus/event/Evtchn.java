package io.xensim.xenbus.event;

/** Event-channel ABI numbers (xen/event_channel.h). */
public final class Evtchn {
    public static final int EVTCHNOP_bind_interdomain = 0;
    public static final int EVTCHNOP_close = 3;
    public static final int EVTCHNOP_send = 4;
    public static final int EVTCHNOP_status = 5;
    public static final int EVTCHNOP_alloc_unbound = 6;
    public static final int EVTCHNOP_unmask = 9;

    public static final int EVTCHNSTAT_closed = 0;
    public static final int EVTCHNSTAT_unbound = 1;
    public static final int EVTCHNSTAT_interdomain = 2;
    public static final int EVTCHNSTAT_pirq = 3;
    public static final int EVTCHNSTAT_virq = 4;
    public static final int EVTCHNSTAT_ipi = 5;

    /** Ports per domain with the 2-level ABI (pending and mask bitmaps of 4096 bits in shared_info). */
    public static final int EVTCHN_2L_NR_CHANNELS = 4096;

    private Evtchn() {
    }

    public static String statusName(int status) {
        return switch (status) {
            case EVTCHNSTAT_closed -> "closed";
            case EVTCHNSTAT_unbound -> "unbound";
            case EVTCHNSTAT_interdomain -> "interdomain";
            case EVTCHNSTAT_pirq -> "pirq";
            case EVTCHNSTAT_virq -> "virq";
            case EVTCHNSTAT_ipi -> "ipi";
            default -> "status " + status;
        };
    }
}
