package io.xensim.hvm.platform;

/**
 * A device model's handler for a range of x86 I/O ports, as QEMU's {@code MemoryRegionOps} for an I/O region: it
 * sees the offset of the access inside its range and the access size (1, 2 or 4 bytes, the {@code in}/{@code out}
 * operand sizes of x86). Values are little-endian, in the low {@code size * 8} bits.
 *
 * <p>The guest decides offsets, sizes and values, so an implementation must answer every combination without
 * throwing: an access it does not decode reads as all ones and a write it does not decode is ignored, as a
 * real device does.
 *
 * <p><b>Threading:</b> called on the thread of the guest vCPU doing the access (the guest domain's executor), one
 * access at a time.
 */
public interface IoPortDevice {
    /** {@code in}: the value read at {@code offset} (the {@link IoPortBus} masks it to {@code size} bytes). */
    int in(int offset, int size);

    /** {@code out}: {@code value} (already masked to {@code size} bytes) written at {@code offset}. */
    void out(int offset, int size, int value);
}
