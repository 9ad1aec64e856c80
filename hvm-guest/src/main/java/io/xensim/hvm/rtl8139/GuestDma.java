package io.xensim.hvm.rtl8139;

import io.xensim.xenbus.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Bus-master DMA of an emulated device into its guest's memory, by 32-bit guest-physical address, as QEMU's
 * {@code pci_dma_read}/{@code pci_dma_write} reach guest RAM. The guest chooses every address, so nothing here
 * trusts one: a read answers whether the whole range is RAM (the caller decides what a failed read means), a
 * write stores only the bytes that fall inside RAM and drops the rest, as a write to unassigned address space is
 * dropped. Addresses wrap at 4 GiB as a 32-bit PCI master's do.
 *
 * <p><b>Threading:</b> the device model's thread; guest memory is not synchronised (the device's registers order
 * it, as a real DMA engine's doorbells do).
 */
public final class GuestDma {
    private static final long ADDRESS_SPACE = 1L << 32;
    private final MemorySegment ram;

    public GuestDma(GuestMemory memory) {
        this.ram = Objects.requireNonNull(memory, "memory").segment();
    }

    /** Bytes of guest RAM. */
    public long ramSize() {
        return ram.byteSize();
    }

    /** True when {@code length} bytes from {@code address} are all guest RAM. */
    public boolean isRam(long address, int length) {
        return length >= 0 && address >= 0 && address + length <= Math.min(ram.byteSize(), ADDRESS_SPACE);
    }

    /** Copies {@code length} bytes at {@code address} into {@code dst}; false (dst untouched) unless all is RAM. */
    public boolean read(long address, byte[] dst, int length) {
        if (length > dst.length || !isRam(address, length)) {
            return false;
        }
        MemorySegment.copy(ram, ValueLayout.JAVA_BYTE, address, dst, 0, length);
        return true;
    }

    /**
     * Stores {@code length} bytes of {@code src} from {@code srcOffset} at {@code address}; the part outside RAM is
     * dropped. Returns the number of bytes stored.
     */
    public int write(long address, byte[] src, int srcOffset, int length) {
        int stored = 0;
        for (int i = 0; i < length; i++) {   // byte-wise only where a run straddles the end of RAM
            long at = (address + i) & (ADDRESS_SPACE - 1);
            if (i == 0 && isRam(at, length)) {
                MemorySegment.copy(src, srcOffset, ram, ValueLayout.JAVA_BYTE, at, length);
                return length;
            }
            if (at < ram.byteSize()) {
                ram.set(ValueLayout.JAVA_BYTE, at, src[srcOffset + i]);
                stored++;
            }
        }
        return stored;
    }
}
