package io.xensim.hvm.platform.pci;

/**
 * A BAR as the guest's scan found it: index, kind, the address the firmware gave it, and the size sizing revealed.
 * {@link #toString()} is Linux's resource format ({@code [io  0xc000-0xc0ff]}, {@code [mem 0xf2000000-0xf2ffffff
 * pref]}).
 *
 * <p><b>Threading:</b> immutable.
 */
public record PciBarInfo(int index, PciBar.Kind kind, long address, long size) {
    public long last() {
        return address + size - 1;
    }

    @Override
    public String toString() {
        return kind.isIo() ? String.format("[io  0x%04x-0x%04x]", address, last())
                : String.format("[mem 0x%08x-0x%08x%s]", address, last(),
                        kind == PciBar.Kind.MEMORY32_PREFETCH ? " pref" : "");
    }
}
