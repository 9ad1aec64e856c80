package io.xensim.hvm.platform;

/**
 * The Xen version a guest reads from the version leaf ({@code major << 16 | minor}) and prints as "Xen version
 * 4.17.".
 *
 * <p><b>Threading:</b> immutable.
 */
public record XenVersion(int major, int minor) {
    /** The Xen xensim stands for: 4.17, the libxen-dev headers it checks against. */
    public static final XenVersion XEN_4_17 = new XenVersion(4, 17);

    public XenVersion {
        if (major < 0 || major > 0xffff || minor < 0 || minor > 0xffff) {
            throw new IllegalArgumentException("version: " + major + "." + minor + " (expected: 16-bit parts)");
        }
    }

    /** The version leaf's eax. */
    public int eax() {
        return major << 16 | minor;
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
