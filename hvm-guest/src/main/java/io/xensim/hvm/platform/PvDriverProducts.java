package io.xensim.hvm.platform;

import java.util.Map;
import java.util.Optional;

/**
 * The registry of PV driver product numbers a guest writes to the unplug protocol's product port, and the names
 * the blacklist keys use ({@code /mh/driver-blacklist/<name>/<build>}).
 *
 * <p><b>Threading:</b> immutable.
 *
 * <p><b>Reference:</b> xen/include/public/hvm/pvdrivers.h ({@code PVDRIVERS_PRODUCT_LIST}).
 */
public final class PvDriverProducts {
    /** Linux's product number ({@code XEN_IOPORT_LINUX_PRODNUM}). */
    public static final int LINUX = 0x0003;

    private static final Map<Integer, String> NAMES = Map.of(
            0x0001, "xensource-windows",
            0x0002, "gplpv-windows",
            0x0003, "linux",
            0x0004, "xenserver-windows-v7.0+",
            0x0005, "xenserver-windows-v7.2+",
            0xffff, "experimental");

    private PvDriverProducts() {
    }

    /** The product's registered name, or empty for a number the registry does not list. */
    public static Optional<String> name(int product) {
        return Optional.ofNullable(NAMES.get(product));
    }
}
