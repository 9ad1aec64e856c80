package io.xensim.hvm.platform;

import io.xensim.xenbus.Domid;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.grant.GrantEntryV1;
import io.xensim.xenbus.toolstack.GuestXenstore;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The hypervisor's HVM parameters, per domain (Xen's {@code d->arch.hvm.params}): the toolstack sets them while
 * building the domain and the guest reads them with {@code HVMOP_get_param}. A PV-on-HVM guest needs two before
 * xenbus can start: {@code HVM_PARAM_STORE_PFN}, the frame of its xenstore ring page, and
 * {@code HVM_PARAM_STORE_EVTCHN}, the event channel to xenstored. {@link #recordingRing()} is the toolstack's
 * xenstore ring set-up ({@link GuestXenstore#RING}) that also stores these two, as libxl's build does.
 *
 * <p>A parameter never set reads as 0, as in Xen; an index at or past {@code HVM_NR_PARAMS}, or a domain this
 * table does not know, is the hypercall's error ({@code -EINVAL}, {@code -ESRCH}), not an exception.
 *
 * <p><b>Threading:</b> safe from any thread: the toolstack writes, the guest vCPU reads.
 *
 * <p><b>Reference:</b> xen/include/public/hvm/params.h (indices), Xen 4.17 {@code xen/arch/x86/hvm/hvm.c}
 * {@code hvmop_get_param} ({@code -EINVAL} past {@code HVM_NR_PARAMS}), libxl's {@code libxl__build_hvm} /
 * {@code xc_dom} setting the store pfn and event channel.
 */
public final class HvmParams {
    public static final int HVM_PARAM_CALLBACK_IRQ = 0;
    public static final int HVM_PARAM_STORE_PFN = 1;
    public static final int HVM_PARAM_STORE_EVTCHN = 2;
    public static final int HVM_PARAM_CONSOLE_PFN = 17;
    public static final int HVM_PARAM_CONSOLE_EVTCHN = 18;
    public static final int HVM_NR_PARAMS = 39;

    /** The result of {@code HVMOP_get_param}: {@code rc} 0 and the value, or a negative Xen errno. */
    public record GetParam(int rc, long value) {
        public boolean ok() {
            return rc == 0;
        }
    }

    private final Map<Integer, AtomicLongArray> byDomain = new ConcurrentHashMap<>();

    /** The toolstack sets {@code index} of {@code domid} (creating the domain's table on first use). */
    public void set(int domid, int index, long value) {
        if (index < 0 || index >= HVM_NR_PARAMS) {
            throw new IllegalArgumentException("index: " + index + " (expected: 0.." + (HVM_NR_PARAMS - 1) + ")");
        }
        byDomain.computeIfAbsent(domid, d -> new AtomicLongArray(HVM_NR_PARAMS)).set(index, value);
    }

    /** {@code HVMOP_get_param} by {@code domid} on itself. */
    public GetParam get(int domid, int index) {
        AtomicLongArray params = byDomain.get(domid);
        if (params == null) {
            return new GetParam(-XenErrno.XEN_ESRCH, 0);
        }
        if (index < 0 || index >= HVM_NR_PARAMS) {
            return new GetParam(-XenErrno.XEN_EINVAL, 0);
        }
        return new GetParam(0, params.get(index));
    }

    /** The domain is gone: its parameters go with it. */
    public void forget(int domid) {
        byDomain.remove(domid);
    }

    /**
     * {@link GuestXenstore#RING}'s set-up (ring page, reserved grant, unbound port, {@code XS_INTRODUCE}) that
     * also records the page's frame as {@code HVM_PARAM_STORE_PFN} and the guest's port as
     * {@code HVM_PARAM_STORE_EVTCHN}.
     */
    public GuestXenstore recordingRing() {
        return (toolstack, guest) -> toolstack.ringServer().setUpGuest(guest).thenApply(ring -> {
            set(guest.domid(), HVM_PARAM_STORE_PFN, ring.gfn());
            set(guest.domid(), HVM_PARAM_STORE_EVTCHN, ring.port());
            toolstack.hypervisor().trace(Domid.DOM0, "", TraceEvent.Kind.DOMAIN, "dom" + guest.domid()
                    + ": HVM_PARAM_STORE_PFN 0x" + Long.toHexString(ring.gfn()) + " (granted to dom0 as ref "
                    + GrantEntryV1.GNTTAB_RESERVED_XENSTORE + "), HVM_PARAM_STORE_EVTCHN " + ring.port()
                    + "; XS_INTRODUCE sent");
            return ring.client();
        });
    }
}
