package io.xensim.xenbus.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A guest's RAM as the host gives it to a real HVM guest (QEMU's {@code qemu_ram_mmap}): a private anonymous
 * {@code mmap}, whose pages the kernel zero-fills only when first touched. A guest of 4 MiB that uses a few dozen
 * frames for rings and buffers then costs a few dozen pages, not 4 MiB of eager zeroing; with a thousand guests that
 * zeroing was most of a boot.
 *
 * <p><b>Threading:</b> stateless; the mapping is unmapped when its arena closes.
 */
final class AnonymousMapping {
    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;   // RAM the guest never touches reserves no swap
    private static final long MAP_FAILED = -1L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = LINKER.downcallHandle(
            LINKER.defaultLookup().find("munmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    private AnonymousMapping() {
    }

    /** {@code bytes} of zero-reading, page-aligned memory, unmapped when {@code arena} closes. */
    static MemorySegment map(long bytes, Arena arena) {
        MemorySegment address;
        try {
            address = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap of " + bytes + " bytes", t);
        }
        if (address.address() == MAP_FAILED) {
            throw new OutOfMemoryError("mmap of " + bytes + " bytes of guest memory failed");
        }
        return address.reinterpret(bytes, arena, AnonymousMapping::unmap);
    }

    private static void unmap(MemorySegment mapping) {
        try {
            int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(mapping.address()), mapping.byteSize());
            assert rc == 0 : "munmap: " + rc;
        } catch (Throwable t) {
            throw new IllegalStateException("munmap", t);
        }
    }
}
