package io.xensim.blk.image;

import static io.xensim.blk.image.BlockImage.SECTOR_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.image.RawImage.Allocation;
import io.xensim.blk.image.RawImage.OpenMode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random sequences of writes, discards, flushes, reads (and, for a raw file, close and reopen) on each image kind,
 * compared with a plain {@code byte[]} model after every step and at the end.
 */
class BlockImageModelProperties {
    private static final int SECTORS = 96;   // 48 KiB: twelve host blocks, small enough for many tries

    sealed interface Op permits Write, Discard, Read, Flush, Reopen {
    }

    record Write(int sector, int count, int seed) implements Op {
    }

    record Discard(int sector, int count) implements Op {
    }

    record Read(int sector, int count) implements Op {
    }

    record Flush() implements Op {
    }

    record Reopen() implements Op {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<int[]> range = Combinators.combine(Arbitraries.integers().between(0, SECTORS - 1),
                        Arbitraries.integers().between(1, 24))
                .as((sector, count) -> new int[] {sector, Math.min(count, SECTORS - sector)});
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Combinators.combine(range, Arbitraries.integers())
                        .as((r, seed) -> (Op) new Write(r[0], r[1], seed))),
                net.jqwik.api.Tuple.of(2, range.map(r -> (Op) new Discard(r[0], r[1]))),
                net.jqwik.api.Tuple.of(3, range.map(r -> (Op) new Read(r[0], r[1]))),
                net.jqwik.api.Tuple.of(1, Arbitraries.just((Op) new Flush())),
                net.jqwik.api.Tuple.of(1, Arbitraries.just((Op) new Reopen())));
        return op.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 200)
    void memoryImageMatchesTheModel(@ForAll("ops") List<Op> ops) throws Exception {
        try (MemoryImage image = MemoryImage.create("model", SECTORS)) {
            check(new BlockImage[] {image}, ops, null);
        }
    }

    @Property(tries = 100)
    void sparseRawImageMatchesTheModel(@ForAll("ops") List<Op> ops) throws Exception {
        checkRaw(ops, Allocation.SPARSE);
    }

    @Property(tries = 50)
    void preallocatedRawImageMatchesTheModel(@ForAll("ops") List<Op> ops) throws Exception {
        checkRaw(ops, Allocation.PREALLOCATED);
    }

    private void checkRaw(List<Op> ops, Allocation allocation) throws Exception {
        Path dir = Files.createTempDirectory("xensim-image-model");
        Path file = dir.resolve("model.img");
        BlockImage[] image = {RawImage.create(file, SECTORS, allocation)};
        try {
            check(image, ops, file);
        } finally {
            image[0].close();
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Runs {@code ops} on {@code image[0]} (replaced on reopen when {@code file} is given) against a byte[] model. */
    private static void check(BlockImage[] image, List<Op> ops, Path file) throws IOException {
        byte[] model = new byte[SECTORS * SECTOR_SIZE];
        try (Arena arena = Arena.ofConfined()) {
            for (Op op : ops) {
                switch (op) {
                    case Write(int sector, int count, int seed) -> {
                        MemorySegment data = ImageFiles.pattern(arena, sector, count, seed);
                        image[0].write((long) sector * SECTOR_SIZE, data);
                        MemorySegment.copy(data, 0, MemorySegment.ofArray(model), (long) sector * SECTOR_SIZE, data.byteSize());
                    }
                    case Discard(int sector, int count) -> {
                        image[0].discard((long) sector * SECTOR_SIZE, (long) count * SECTOR_SIZE);
                        Arrays.fill(model, sector * SECTOR_SIZE, (sector + count) * SECTOR_SIZE, (byte) 0);
                    }
                    case Read(int sector, int count) -> {
                        MemorySegment back = arena.allocate((long) count * SECTOR_SIZE);
                        image[0].read((long) sector * SECTOR_SIZE, back);
                        assertThat(ImageFiles.bytes(back)).as("%s after %s", op, ops)
                                .isEqualTo(Arrays.copyOfRange(model, sector * SECTOR_SIZE, (sector + count) * SECTOR_SIZE));
                    }
                    case Flush() -> image[0].flush();
                    case Reopen() -> {
                        if (file != null) {
                            image[0].close();
                            image[0] = RawImage.open(file, OpenMode.READ_WRITE);
                        }
                    }
                }
            }
            MemorySegment all = arena.allocate(model.length);
            image[0].read(0, all);
            assertThat(ImageFiles.bytes(all)).isEqualTo(model);
            if (file != null) {
                assertThat(image[0].sectors()).isEqualTo(SECTORS);
                assertThat(Files.size(file)).isEqualTo((long) SECTORS * SECTOR_SIZE);
            }
        }
    }
}
