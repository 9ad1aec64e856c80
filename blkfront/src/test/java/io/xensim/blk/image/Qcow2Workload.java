package io.xensim.blk.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A guest's I/O as a list of writes, discards and flushes, applied alike to a qcow2 image and to a raw model
 * image, so that {@code qemu-img compare} (or our reads) can tell whether the qcow2 one holds the same bytes.
 */
final class Qcow2Workload {
    enum Kind { WRITE, DISCARD, FLUSH }

    record Op(Kind kind, long offset, long length, int seed) {
    }

    private Qcow2Workload() {
    }

    /**
     * The fixed patterns the brief names (inside one cluster, across clusters, a whole cluster, a discard of
     * whole and partial clusters, a write after a discard, the last sectors, an overwrite), then {@code random}
     * random writes and discards of 1 to 3 clusters' worth inside the first {@code span} bytes, with flushes.
     */
    static List<Op> ops(long size, int clusterSize, int random, long seed) {
        long cs = clusterSize;
        List<Op> ops = new ArrayList<>();
        ops.add(new Op(Kind.WRITE, 0, 512, 1));
        ops.add(new Op(Kind.WRITE, cs - 512, 3 * 512, 2));
        ops.add(new Op(Kind.WRITE, 5 * cs + 1024, 2 * cs, 3));
        ops.add(new Op(Kind.WRITE, 8 * cs, cs, 4));
        ops.add(new Op(Kind.DISCARD, 8 * cs, cs, 0));
        ops.add(new Op(Kind.DISCARD, 5 * cs + 1536, 1024, 0));
        ops.add(new Op(Kind.FLUSH, 0, 0, 0));
        ops.add(new Op(Kind.WRITE, 8 * cs + 512, 1024, 5));
        ops.add(new Op(Kind.WRITE, size - 4096, 4096, 6));
        ops.add(new Op(Kind.WRITE, 0, 1024, 7));
        ops.add(new Op(Kind.DISCARD, 10 * cs, 2 * cs, 0));
        ops.add(new Op(Kind.DISCARD, cs, cs, 0));
        Random r = new Random(seed);
        long span = Math.min(size, 64 * cs);
        long maxLength = Math.min(3 * cs, 256 << 10);
        for (int i = 0; i < random; i++) {
            long length = 512L * (1 + r.nextInt((int) (maxLength / 512)));
            long offset = 512L * r.nextLong((span - length) / 512 + 1);
            int dice = r.nextInt(10);
            if (dice == 0) {
                ops.add(new Op(Kind.FLUSH, 0, 0, 0));
            } else if (dice <= 2) {
                ops.add(new Op(Kind.DISCARD, offset, length, 0));
            } else {
                ops.add(new Op(Kind.WRITE, offset, length, 100 + i));
            }
        }
        ops.add(new Op(Kind.FLUSH, 0, 0, 0));
        return ops;
    }

    /** Applies {@code op} to {@code image}. */
    static void apply(BlockImage image, Op op) throws IOException {
        switch (op.kind()) {
            case WRITE -> {
                try (Arena arena = Arena.ofConfined()) {
                    image.write(op.offset(), pattern(arena, op));
                }
            }
            case DISCARD -> image.discard(op.offset(), op.length());
            case FLUSH -> image.flush();
        }
    }

    static void applyAll(List<Op> ops, BlockImage... images) throws IOException {
        for (Op op : ops) {
            for (BlockImage image : images) {
                apply(image, op);
            }
        }
    }

    static MemorySegment pattern(Arena arena, Op op) {
        return ImageFiles.pattern(arena, op.offset() / 512, (int) (op.length() / 512), op.seed());
    }

    /** Reads both images in chunks of {@code chunk} bytes over {@code [0, length)} and asserts equal bytes. */
    static void assertSameContents(BlockImage actual, BlockImage expected, long length, int chunk) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(chunk), e = arena.allocate(chunk);
            for (long at = 0; at < length; at += chunk) {
                int n = (int) Math.min(chunk, length - at);
                actual.read(at, a.asSlice(0, n));
                expected.read(at, e.asSlice(0, n));
                if (a.asSlice(0, n).mismatch(e.asSlice(0, n)) != -1) {
                    assertThat(ImageFiles.bytes(a.asSlice(0, n))).as("bytes at %d of %s", at, actual.name())
                            .isEqualTo(ImageFiles.bytes(e.asSlice(0, n)));
                }
            }
        }
    }
}
