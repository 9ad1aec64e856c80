package io.xensim.blk.image;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * Finds which process holds a lock on a byte of a file, for the message of a refused image open. A POSIX or
 * {@code flock} lock shows its owner's pid in {@code /proc/locks}; an open-file-description lock shows -1 there
 * (it belongs to a file description, not a process), so for those the {@code lock:} lines of every visible
 * process's {@code /proc/<pid>/fdinfo/<fd>} are searched: Linux lists there the locks owned by that descriptor's
 * file description. Only the processes this user may inspect are seen; a holder not found is reported as such.
 *
 * <p><b>Threading:</b> stateless.
 *
 * <p><b>Reference:</b> Linux 6.1 fs/locks.c ({@code lock_get_status}: {@code "%d %02x:%02x:%lu "} pid, device
 * major:minor and inode, then start and end or {@code EOF}; {@code locks_translate_pid} gives -1 for OFD locks;
 * {@code show_fd_locks} for fdinfo).
 */
final class LockHolders {
    private LockHolders() {
    }

    /** The pid of a process holding a lock that covers {@code offset} of the file {@code key}, if one is found. */
    static OptionalLong find(ImageLock.FileKey key, long offset) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
                long pid = holderIn(line, key, offset);
                if (pid > 0) {
                    return OptionalLong.of(pid);
                }
            }
        } catch (IOException | RuntimeException e) {
            // /proc/locks unreadable: fall through to the per-descriptor search
        }
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> isPid(p.getFileName().toString()))) {
            for (Path proc : procs) {
                if (holdsThroughFdinfo(proc.resolve("fdinfo"), key, offset)) {
                    return OptionalLong.of(Long.parseLong(proc.getFileName().toString()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // /proc not listable: the holder stays unknown
        }
        return OptionalLong.empty();
    }

    private static boolean holdsThroughFdinfo(Path fdinfo, ImageLock.FileKey key, long offset) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdinfo)) {
            for (Path fd : fds) {
                List<String> lines;
                try {
                    lines = Files.readAllLines(fd);
                } catch (IOException | RuntimeException e) {
                    continue;   // the descriptor was closed meanwhile, or is not ours to read
                }
                for (String line : lines) {
                    if (line.startsWith("lock:") && holderIn(line.substring(5), key, offset) != 0) {
                        return true;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process exited, or belongs to another user
        }
        return false;
    }

    /**
     * For a {@code /proc/locks}-style line ({@code "1: OFDLCK ADVISORY  WRITE -1 fe:00:2146435 101 101"}) on
     * {@code key} covering {@code offset}: its pid (-1 for an OFD lock); 0 for any other line. Blocked waiters
     * ({@code "1: -> POSIX ..."}) hold nothing and give 0.
     */
    static long holderIn(String line, ImageLock.FileKey key, long offset) {
        String[] tokens = line.trim().split("\\s+");
        if (line.contains("->")) {
            return 0;
        }
        for (int i = 1; i + 2 < tokens.length; i++) {
            if (!matchesFile(tokens[i], key)) {
                continue;
            }
            long start = Long.parseLong(tokens[i + 1]);
            long end = tokens[i + 2].equals("EOF") ? Long.MAX_VALUE : Long.parseLong(tokens[i + 2]);
            if (offset < start || offset > end) {
                return 0;
            }
            long pid = Long.parseLong(tokens[i - 1]);
            return pid == 0 ? 0 : pid;
        }
        return 0;
    }

    /** {@code "fe:00:2146435"} against {@code st_dev} (glibc's {@code major}/{@code minor} split) and {@code st_ino}. */
    private static boolean matchesFile(String token, ImageLock.FileKey key) {
        String[] parts = token.split(":");
        if (parts.length != 3 || !isHex(parts[0]) || !isHex(parts[1]) || !isPid(parts[2])) {
            return false;
        }
        long major = ((key.dev() >>> 8) & 0xfffL) | ((key.dev() >>> 32) & ~0xfffL);
        long minor = (key.dev() & 0xffL) | ((key.dev() >>> 12) & ~0xffL);
        return Long.parseUnsignedLong(parts[0], 16) == major && Long.parseUnsignedLong(parts[1], 16) == minor
                && Long.parseUnsignedLong(parts[2]) == key.ino();
    }

    private static boolean isHex(String s) {
        return !s.isEmpty() && s.length() <= 16 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    /** ASCII decimal only (a pid directory name, an inode number). */
    private static boolean isPid(String s) {
        return !s.isEmpty() && s.length() <= 19 && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
