package io.xensim.blk.image;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Test helpers for image files: what the host's {@code stat} says about a file's blocks, and sector patterns. */
final class ImageFiles {
    private ImageFiles() {
    }

    /** Bytes the file system has allocated to {@code path} ({@code st_blocks * 512}, via coreutils' stat). */
    static long allocatedBytes(Path path) throws IOException, InterruptedException {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", path.toString()).redirectErrorStream(true).start();
        String out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        if (!stat.waitFor(10, TimeUnit.SECONDS) || stat.exitValue() != 0) {
            throw new IOException("stat " + path + ": " + out);
        }
        String[] fields = out.split(" ");
        return Long.parseLong(fields[0]) * Long.parseLong(fields[1]);
    }

    /** A native segment of {@code sectors} sectors, each byte a function of its absolute sector and a seed. */
    static MemorySegment pattern(Arena arena, long firstSector, int sectors, int seed) {
        MemorySegment s = arena.allocate((long) sectors * BlockImage.SECTOR_SIZE, 4096);
        for (int i = 0; i < s.byteSize(); i++) {
            s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, patternByte(firstSector * BlockImage.SECTOR_SIZE + i, seed));
        }
        return s;
    }

    /** The byte {@link #pattern} puts at absolute image offset {@code offset}; never 0, so a lost write shows. */
    static byte patternByte(long offset, int seed) {
        long h = (offset + 1) * 0x9E3779B97F4A7C15L ^ (seed * 0xC2B2AE3D27D4EB4FL);
        int b = (int) (h >>> 56) & 0xff;
        return (byte) (b == 0 ? 1 : b);
    }

    static byte[] bytes(MemorySegment s) {
        return s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
}
