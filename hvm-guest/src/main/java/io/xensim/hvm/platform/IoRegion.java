package io.xensim.hvm.platform;

import java.util.Objects;

/**
 * One claimed range of I/O ports on an {@link IoPortBus}: ports {@code base .. base + length - 1} go to
 * {@code device}. The handle {@link IoPortBus#register} returns and {@link IoPortBus#unregister} takes; a BAR that
 * moves is unregistered and registered again.
 *
 * <p><b>Threading:</b> immutable.
 */
public record IoRegion(String name, int base, int length, IoPortDevice device) {
    public IoRegion {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(device, "device");
        if (base < 0 || base >= IoPortBus.PORT_COUNT) {
            throw new IllegalArgumentException("base: 0x" + Integer.toHexString(base) + " (expected: 0..0xffff)");
        }
        if (length < 1 || base + length > IoPortBus.PORT_COUNT) {
            throw new IllegalArgumentException("length: " + length + " (expected: 1.." + (IoPortBus.PORT_COUNT - base)
                    + " from base 0x" + Integer.toHexString(base) + ")");
        }
    }

    /** The last port of the range. */
    public int last() {
        return base + length - 1;
    }

    public boolean contains(int port) {
        return port >= base && port <= last();
    }

    @Override
    public String toString() {
        return String.format("%s[0x%04x-0x%04x]", name, base, last());
    }
}
