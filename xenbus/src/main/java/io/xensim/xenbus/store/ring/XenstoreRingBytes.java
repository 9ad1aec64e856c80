package io.xensim.xenbus.store.ring;

import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_RING_SIZE;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.maskXenstoreIdx;

import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Byte-stream copies into and out of one direction's array of the xenstore ring, split at the wrap point, and the
 * ordered accesses to the page's u32 fields. Shared by both ends so their arithmetic is the same.
 *
 * <p><b>Threading:</b> stateless. The caller orders the copies against the indices: a producer copies, then
 * {@link #setRelease}s its {@code *_prod}; a consumer {@link #getAcquire}s the peer's {@code *_prod} before copying
 * out, and releases its {@code *_cons} after.
 */
final class XenstoreRingBytes {
    private static final VarHandle U32 = Layouts.ATOMIC_U32;

    private XenstoreRingBytes() {
    }

    /** Copies {@code n} (at most a ring's worth) stream bytes starting at stream index {@code idx} into {@code dst}. */
    static void copyOut(MemorySegment page, long arrayOffset, int idx, byte[] dst, int dstOffset, int n) {
        int at = maskXenstoreIdx(idx);
        int first = Math.min(n, XENSTORE_RING_SIZE - at);
        MemorySegment.copy(page, ValueLayout.JAVA_BYTE, arrayOffset + at, dst, dstOffset, first);
        MemorySegment.copy(page, ValueLayout.JAVA_BYTE, arrayOffset, dst, dstOffset + first, n - first);
    }

    /** Copies {@code n} (at most a ring's worth) bytes of {@code src} to stream index {@code idx} onward. */
    static void copyIn(byte[] src, int srcOffset, MemorySegment page, long arrayOffset, int idx, int n) {
        int at = maskXenstoreIdx(idx);
        int first = Math.min(n, XENSTORE_RING_SIZE - at);
        MemorySegment.copy(src, srcOffset, page, ValueLayout.JAVA_BYTE, arrayOffset + at, first);
        MemorySegment.copy(src, srcOffset + first, page, ValueLayout.JAVA_BYTE, arrayOffset, n - first);
    }

    static int getAcquire(MemorySegment page, long offset) {
        return (int) U32.getAcquire(page, offset);
    }

    /** A field this end writes itself: its last store is its own, so an opaque read is enough. */
    static int getOwn(MemorySegment page, long offset) {
        return (int) U32.getOpaque(page, offset);
    }

    static void setRelease(MemorySegment page, long offset, int value) {
        U32.setRelease(page, offset, value);
    }

    static int getVolatile(MemorySegment page, long offset) {
        return (int) U32.getVolatile(page, offset);
    }

    static void setVolatile(MemorySegment page, long offset, int value) {
        U32.setVolatile(page, offset, value);
    }
}
