package io.xensim.xenbus;

/** Domain ids ({@code domid_t}, u16) and the reserved values of xen/xen.h. */
public final class Domid {
    /** The control domain, which runs the toolstack, xenstored and the backends. */
    public static final int DOM0 = 0;
    public static final int DOMID_FIRST_RESERVED = 0x7FF0;
    /** "The calling domain" in hypercall arguments. */
    public static final int DOMID_SELF = 0x7FF0;
    public static final int DOMID_IO = 0x7FF1;
    public static final int DOMID_XEN = 0x7FF2;
    public static final int DOMID_COW = 0x7FF3;
    public static final int DOMID_INVALID = 0x7FF4;
    public static final int DOMID_IDLE = 0x7FFF;
    public static final int DOMID_MASK = 0x7FFF;

    private Domid() {
    }

    /** True for an id a real domain can have (0 .. DOMID_FIRST_RESERVED - 1). */
    public static boolean isRegular(int domid) {
        return domid >= 0 && domid < DOMID_FIRST_RESERVED;
    }
}
