package io.xensim.xenbus.event;

import io.xensim.xenbus.Domid;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFactSource;
import java.util.ArrayList;
import java.util.List;

/** Event-channel, errno and domid ABI facts the Java code uses, named as in abi-golden.tsv. */
public final class EventAbiFacts implements AbiFactSource {
    @Override
    public String group() {
        return "event";
    }

    @Override
    public List<AbiFact> facts() {
        List<AbiFact> f = new ArrayList<>();
        f.add(AbiFact.of("EVTCHNOP_bind_interdomain", Evtchn.EVTCHNOP_bind_interdomain));
        f.add(AbiFact.of("EVTCHNOP_close", Evtchn.EVTCHNOP_close));
        f.add(AbiFact.of("EVTCHNOP_send", Evtchn.EVTCHNOP_send));
        f.add(AbiFact.of("EVTCHNOP_status", Evtchn.EVTCHNOP_status));
        f.add(AbiFact.of("EVTCHNOP_alloc_unbound", Evtchn.EVTCHNOP_alloc_unbound));
        f.add(AbiFact.of("EVTCHNOP_unmask", Evtchn.EVTCHNOP_unmask));
        for (int s = Evtchn.EVTCHNSTAT_closed; s <= Evtchn.EVTCHNSTAT_ipi; s++) {
            f.add(AbiFact.of("EVTCHNSTAT_" + Evtchn.statusName(s), s));
        }
        f.add(AbiFact.of("EVTCHN_2L_NR_CHANNELS", Evtchn.EVTCHN_2L_NR_CHANNELS));
        int[] errnos = {XenErrno.XEN_EPERM, XenErrno.XEN_ENOENT, XenErrno.XEN_ESRCH, XenErrno.XEN_EIO,
            XenErrno.XEN_E2BIG, XenErrno.XEN_EAGAIN, XenErrno.XEN_ENOMEM, XenErrno.XEN_EACCES, XenErrno.XEN_EFAULT,
            XenErrno.XEN_EBUSY, XenErrno.XEN_EEXIST, XenErrno.XEN_ENODEV, XenErrno.XEN_EISDIR, XenErrno.XEN_EINVAL,
            XenErrno.XEN_ENOSPC, XenErrno.XEN_EROFS, XenErrno.XEN_ENOSYS, XenErrno.XEN_ENOTEMPTY,
            XenErrno.XEN_EOPNOTSUPP, XenErrno.XEN_EISCONN};
        for (int errno : errnos) {
            f.add(AbiFact.of("XEN_" + XenErrno.name(errno), errno));
        }
        f.add(AbiFact.of("DOMID_FIRST_RESERVED", Domid.DOMID_FIRST_RESERVED));
        f.add(AbiFact.of("DOMID_SELF", Domid.DOMID_SELF));
        f.add(AbiFact.of("DOMID_IO", Domid.DOMID_IO));
        f.add(AbiFact.of("DOMID_XEN", Domid.DOMID_XEN));
        f.add(AbiFact.of("DOMID_COW", Domid.DOMID_COW));
        f.add(AbiFact.of("DOMID_INVALID", Domid.DOMID_INVALID));
        f.add(AbiFact.of("DOMID_IDLE", Domid.DOMID_IDLE));
        f.add(AbiFact.of("DOMID_MASK", Domid.DOMID_MASK));
        return f;
    }
}
