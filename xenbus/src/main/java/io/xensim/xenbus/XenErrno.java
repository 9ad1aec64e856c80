package io.xensim.xenbus;

/**
 * Xen's ABI errno values (xen/errno.h). Hypercalls answer a negative one of these; xensim's hypercall-shaped
 * methods do the same ({@code -XEN_EINVAL}) instead of throwing, because the caller is a guest.
 */
public final class XenErrno {
    public static final int XEN_EPERM = 1;
    public static final int XEN_ENOENT = 2;
    public static final int XEN_ESRCH = 3;
    public static final int XEN_EIO = 5;
    public static final int XEN_E2BIG = 7;
    public static final int XEN_EAGAIN = 11;
    public static final int XEN_ENOMEM = 12;
    public static final int XEN_EACCES = 13;
    public static final int XEN_EFAULT = 14;
    public static final int XEN_EBUSY = 16;
    public static final int XEN_EEXIST = 17;
    public static final int XEN_ENODEV = 19;
    public static final int XEN_EISDIR = 21;
    public static final int XEN_EINVAL = 22;
    public static final int XEN_ENOSPC = 28;
    public static final int XEN_EROFS = 30;
    public static final int XEN_ENOSYS = 38;
    public static final int XEN_ENOTEMPTY = 39;
    public static final int XEN_EOPNOTSUPP = 95;
    public static final int XEN_EISCONN = 106;

    private XenErrno() {
    }

    /** The C name of a (positive or negated) errno value, for messages and traces. */
    public static String name(int errno) {
        return switch (Math.abs(errno)) {
            case XEN_EPERM -> "EPERM";
            case XEN_ENOENT -> "ENOENT";
            case XEN_ESRCH -> "ESRCH";
            case XEN_EIO -> "EIO";
            case XEN_E2BIG -> "E2BIG";
            case XEN_EAGAIN -> "EAGAIN";
            case XEN_ENOMEM -> "ENOMEM";
            case XEN_EACCES -> "EACCES";
            case XEN_EFAULT -> "EFAULT";
            case XEN_EBUSY -> "EBUSY";
            case XEN_EEXIST -> "EEXIST";
            case XEN_ENODEV -> "ENODEV";
            case XEN_EISDIR -> "EISDIR";
            case XEN_EINVAL -> "EINVAL";
            case XEN_ENOSPC -> "ENOSPC";
            case XEN_EROFS -> "EROFS";
            case XEN_ENOSYS -> "ENOSYS";
            case XEN_ENOTEMPTY -> "ENOTEMPTY";
            case XEN_EOPNOTSUPP -> "EOPNOTSUPP";
            case XEN_EISCONN -> "EISCONN";
            default -> "errno " + errno;
        };
    }
}
