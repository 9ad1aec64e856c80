package io.xensim.xenbus.attach;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * {@code open(2)} of a guest-memory file, for the descriptor the attach server passes with {@code SCM_RIGHTS}
 * (Java's file channels do not expose theirs). Not a Xen concept: Xen's equivalent is the kernel mapping a
 * foreign frame into the process.
 *
 * <p><b>Threading:</b> stateless; any thread.
 */
final class Posix {
    private static final int O_RDWR = 2, O_CLOEXEC = 02000000;
    private static final MethodHandle OPEN = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));

    private Posix() {
    }

    /** A new read-write descriptor of {@code file}, or a negative number when it cannot be opened. */
    static int openReadWrite(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) OPEN.invokeExact(arena.allocateFrom(file.toString()), O_RDWR | O_CLOEXEC, 0);
        } catch (Throwable e) {
            return -1;
        }
    }
}
