package io.xensim.xenbus.grant;

/**
 * The status codes of grant-table operations ({@code GNTST_*}, i16, xen/grant_table.h) and their messages
 * ({@code GNTTABOP_error_msgs}). A guest's bad request is answered with one of these, never an exception.
 */
public final class GnttabStatus {
    public static final short GNTST_okay = 0;
    public static final short GNTST_general_error = -1;
    public static final short GNTST_bad_domain = -2;
    public static final short GNTST_bad_gntref = -3;
    public static final short GNTST_bad_handle = -4;
    public static final short GNTST_bad_virt_addr = -5;
    public static final short GNTST_bad_dev_addr = -6;
    public static final short GNTST_no_device_space = -7;
    public static final short GNTST_permission_denied = -8;
    public static final short GNTST_bad_page = -9;
    public static final short GNTST_bad_copy_arg = -10;
    public static final short GNTST_address_too_big = -11;
    public static final short GNTST_eagain = -12;
    public static final short GNTST_no_space = -13;

    private static final String[] MESSAGES = {
        "okay",
        "undefined error",
        "unrecognised domain id",
        "invalid grant reference",
        "invalid mapping handle",
        "invalid virtual address",
        "invalid device address",
        "no spare translation slot in the I/O MMU",
        "permission denied",
        "bad page",
        "copy arguments cross page boundary",
        "page address size too large",
        "operation not done; try again",
        "out of space",
    };

    private GnttabStatus() {
    }

    /** {@code GNTTABOP_error_msgs[-status]}, or a generic text for a code Xen does not define. */
    public static String message(int status) {
        int index = -status;
        return index >= 0 && index < MESSAGES.length ? MESSAGES[index] : "unknown status " + status;
    }

    /** The C name, e.g. {@code GNTST_bad_gntref}, for logs and traces. */
    public static String name(int status) {
        return switch (status) {
            case GNTST_okay -> "GNTST_okay";
            case GNTST_general_error -> "GNTST_general_error";
            case GNTST_bad_domain -> "GNTST_bad_domain";
            case GNTST_bad_gntref -> "GNTST_bad_gntref";
            case GNTST_bad_handle -> "GNTST_bad_handle";
            case GNTST_bad_virt_addr -> "GNTST_bad_virt_addr";
            case GNTST_bad_dev_addr -> "GNTST_bad_dev_addr";
            case GNTST_no_device_space -> "GNTST_no_device_space";
            case GNTST_permission_denied -> "GNTST_permission_denied";
            case GNTST_bad_page -> "GNTST_bad_page";
            case GNTST_bad_copy_arg -> "GNTST_bad_copy_arg";
            case GNTST_address_too_big -> "GNTST_address_too_big";
            case GNTST_eagain -> "GNTST_eagain";
            case GNTST_no_space -> "GNTST_no_space";
            default -> "GNTST(" + status + ")";
        };
    }

    static int count() {
        return MESSAGES.length;
    }
}
