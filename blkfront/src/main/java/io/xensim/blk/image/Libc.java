package io.xensim.blk.image;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few Linux (x86_64/aarch64, glibc) system calls a raw image needs and {@link java.nio.channels.FileChannel}
 * does not offer: {@code open}/{@code close} of a descriptor the image owns, {@code ftruncate}, {@code fallocate}
 * (preallocation, hole punching), {@code fcntl} with open-file-description locks, and the positional vectored
 * {@code preadv}/{@code pwritev} (FileChannel scatters and gathers only at the file position). Each call returns its result,
 * or {@code -errno} on failure, so callers decide what a failure means; nothing here throws for a failed call.
 * {@code EINTR} is retried here, so callers never see it.
 *
 * <p><b>Threading:</b> stateless; every call allocates its arguments in a confined arena of the calling thread.
 *
 * <p><b>Reference:</b> the numbers are the kernel's uapi ({@code asm-generic/fcntl.h}, {@code linux/falloc.h},
 * {@code asm-generic/errno*.h}); {@code struct flock} is the generic 64-bit layout (fcntl(2)).
 */
final class Libc {
    static final int O_RDONLY = 0, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200, O_CLOEXEC = 02000000;
    static final int F_OFD_GETLK = 36, F_OFD_SETLK = 37;
    static final short F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;
    static final short SEEK_SET = 0;
    static final int FALLOC_FL_KEEP_SIZE = 0x01, FALLOC_FL_PUNCH_HOLE = 0x02;
    /** {@code IOV_MAX} of Linux ({@code UIO_MAXIOV}): the most iovecs one call takes. */
    static final int IOV_MAX = 1024;
    static final int EINTR = 4, EAGAIN = 11, EACCES = 13, ENOSYS = 38, EOPNOTSUPP = 95;

    /**
     * {@code struct flock} (fcntl(2), 64-bit {@code off_t}).
     * <pre>
     *  0       2        4        8                16               24       28       32
     * +-------+--------+--------+----------------+----------------+--------+--------+
     * |l_type |l_whence|  pad   | l_start (s64)  |  l_len (s64)   | l_pid  |  pad   |
     * +-------+--------+--------+----------------+----------------+--------+--------+
     * </pre>
     */
    static final StructLayout FLOCK = MemoryLayout.structLayout(
            ValueLayout.JAVA_SHORT.withName("l_type"), ValueLayout.JAVA_SHORT.withName("l_whence"),
            MemoryLayout.paddingLayout(4), ValueLayout.JAVA_LONG.withName("l_start"),
            ValueLayout.JAVA_LONG.withName("l_len"), ValueLayout.JAVA_INT.withName("l_pid"),
            MemoryLayout.paddingLayout(4));
    private static final VarHandle L_TYPE = field("l_type"), L_WHENCE = field("l_whence"),
            L_START = field("l_start"), L_LEN = field("l_len"), L_PID = field("l_pid");

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle FTRUNCATE = downcall("ftruncate",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), CAPTURE_ERRNO);
    private static final MethodHandle FALLOCATE = downcall("fallocate",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), CAPTURE_ERRNO);
    private static final MethodHandle FCNTL_PTR = downcall("fcntl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    /**
     * {@code struct iovec} (readv(2)).
     * <pre>
     *  0                8                16
     * +----------------+----------------+
     * | iov_base (ptr) | iov_len (u64)  |
     * +----------------+----------------+
     * </pre>
     */
    static final StructLayout IOVEC = MemoryLayout.structLayout(ValueLayout.ADDRESS.withName("iov_base"),
            ValueLayout.JAVA_LONG.withName("iov_len"));
    private static final MethodHandle PREADV = downcall("preadv",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), CAPTURE_ERRNO);
    private static final MethodHandle PWRITEV = downcall("pwritev",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), CAPTURE_ERRNO);
    private static final MethodHandle STRERROR = downcall("strerror",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Libc() {
    }

    private static VarHandle field(String name) {
        return FLOCK.varHandle(MemoryLayout.PathElement.groupElement(name));
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** {@code open(path, flags, mode)}: a descriptor, or {@code -errno}. */
    static int open(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment cPath = arena.allocateFrom(path);
            while (true) {
                int fd = (int) OPEN.invokeExact(state, cPath, flags, mode);
                int result = fd >= 0 ? fd : -errno(state);
                if (result != -EINTR) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code close(fd)}: 0 or {@code -errno}. Not retried on EINTR: Linux has released the descriptor anyway. */
    static int close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) CLOSE.invokeExact(state, fd);
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ftruncate(fd, length)}: 0 or {@code -errno}. */
    static int ftruncate(int fd, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            while (true) {
                int rc = (int) FTRUNCATE.invokeExact(state, fd, length);
                int result = rc == 0 ? 0 : -errno(state);
                if (result != -EINTR) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code fallocate(fd, mode, offset, length)}: 0 or {@code -errno}. */
    static int fallocate(int fd, int mode, long offset, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            while (true) {
                int rc = (int) FALLOCATE.invokeExact(state, fd, mode, offset, length);
                int result = rc == 0 ? 0 : -errno(state);
                if (result != -EINTR) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code fcntl(fd, F_OFD_SETLK, {type, SEEK_SET, start, len})}: 0, or {@code -EAGAIN}/{@code -EACCES} when a
     * conflicting lock is held, or another {@code -errno}. Never waits.
     */
    static int ofdSetLock(int fd, short type, long start, long len) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment flock = flock(arena, type, start, len);
            while (true) {
                int rc = (int) FCNTL_PTR.invokeExact(state, fd, F_OFD_SETLK, flock);
                int result = rc == 0 ? 0 : -errno(state);
                if (result != -EINTR) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code fcntl(fd, F_OFD_GETLK, ...)}: whether a lock of {@code type} on the range would conflict with a lock
     * held through another open file description; {@code -errno} on failure, 1 for a conflict, 0 for none.
     */
    static int ofdTestLock(int fd, short type, long start, long len) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment flock = flock(arena, type, start, len);
            int rc = (int) FCNTL_PTR.invokeExact(state, fd, F_OFD_GETLK, flock);
            if (rc != 0) {
                return -errno(state);
            }
            return (short) L_TYPE.get(flock, 0L) == F_UNLCK ? 0 : 1;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code preadv(fd, iov, iovcnt, offset)} (or {@code pwritev} when {@code write}) over the {@code iovcnt}
     * iovecs in {@code iov}: the bytes moved (fewer than asked is a short transfer, 0 on a read is end of file),
     * or {@code -errno}. {@code state} is a {@link #callState} buffer the caller allocated with {@code iov}, so that
     * a request costs one arena, not two.
     */
    static long positionalVectored(boolean write, int fd, MemorySegment iov, int iovcnt, long offset,
            MemorySegment state) {
        try {
            while (true) {
                long n = write ? (long) PWRITEV.invokeExact(state, fd, iov, iovcnt, offset)
                        : (long) PREADV.invokeExact(state, fd, iov, iovcnt, offset);
                long result = n >= 0 ? n : -errno(state);
                if (result != -EINTR) {
                    return result;
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A buffer for the {@code errno} a downcall captures. */
    static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    private static MemorySegment flock(Arena arena, short type, long start, long len) {
        MemorySegment flock = arena.allocate(FLOCK);   // zeroed: l_pid must be 0 for OFD requests
        L_TYPE.set(flock, 0L, type);
        L_WHENCE.set(flock, 0L, SEEK_SET);
        L_START.set(flock, 0L, start);
        L_LEN.set(flock, 0L, len);
        L_PID.set(flock, 0L, 0);
        return flock;
    }

    /** The C library's text for {@code errno}, e.g. "Operation not supported". */
    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new AssertionError("a libc downcall threw a checked exception", t);
    }
}
