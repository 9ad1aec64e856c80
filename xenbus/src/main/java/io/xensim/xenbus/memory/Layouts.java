package io.xensim.xenbus.memory;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The value layouts of Xen's x86_64 public ABI, declared once: every multi-byte field is little-endian.
 *
 * <p>The {@code U*} layouts are unaligned, for codecs reading fields of a peer's slot at any offset. The
 * {@code ALIGNED_*} layouts and their var handles are for shared indices ({@code req_prod}, grant {@code flags})
 * that need atomic access modes ({@code getAcquire}, {@code setRelease}, {@code compareAndSet} on u32/u64); those modes
 * require naturally aligned native memory, which guest pages are.
 *
 * <p>Unsigned C types are held in the next wider Java type where the value can exceed the signed range and the
 * code does arithmetic on it; ring indices, grant refs and ports stay in an {@code int} and are compared with
 * {@link Integer#compareUnsigned}.
 */
public final class Layouts {
    /** {@code XEN_PAGE_SHIFT} (xen/xen.h via the io headers). */
    public static final int XEN_PAGE_SHIFT = 12;
    /** {@code XEN_PAGE_SIZE}: every frame, ring page and grant covers this many bytes. */
    public static final int XEN_PAGE_SIZE = 1 << XEN_PAGE_SHIFT;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    public static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);

    public static final ValueLayout.OfShort ALIGNED_U16 = ValueLayout.JAVA_SHORT.withOrder(LE);
    public static final ValueLayout.OfInt ALIGNED_U32 = ValueLayout.JAVA_INT.withOrder(LE);
    public static final ValueLayout.OfLong ALIGNED_U64 = ValueLayout.JAVA_LONG.withOrder(LE);

    /**
     * Ordered access (volatile, acquire/release) to an aligned little-endian u16. Memory-segment var handles offer
     * no compare-and-set on 16-bit values: update a u16 atomically through its enclosing aligned u32 (as Xen
     * updates a grant entry's flags through the combined flags+domid word).
     */
    public static final VarHandle ATOMIC_U16 = ALIGNED_U16.varHandle();
    /** Atomic access to an aligned little-endian u32 at (segment, byte offset): ring and xenstore indices. */
    public static final VarHandle ATOMIC_U32 = ALIGNED_U32.varHandle();

    private Layouts() {
    }

    /** The C {@code uint16_t} value of a field read into a Java short. */
    public static int u16(short raw) {
        return Short.toUnsignedInt(raw);
    }

    /** The C {@code uint8_t} value of a field read into a Java byte. */
    public static int u8(byte raw) {
        return Byte.toUnsignedInt(raw);
    }
}
