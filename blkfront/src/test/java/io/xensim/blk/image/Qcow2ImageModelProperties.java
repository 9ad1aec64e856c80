package io.xensim.blk.image;

import static org.assertj.core.api.Assertions.assertThat;

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
 * {@link Qcow2Image} against a {@code byte[]} model, without qemu: random writes, discards, flushes and
 * close-and-reopen steps on images we create (both versions, small clusters and tiny caches so that L2 tables,
 * refcount blocks, write-backs and evictions all come into play); after every step the whole image reads as the
 * model.
 */
class Qcow2ImageModelProperties {
    private static final long SECTORS = 256;   // 128 KiB

    enum Kind { WRITE, DISCARD, FLUSH, REOPEN }

    record Step(Kind kind, long sector, int count, int seed) {
    }

    @Property(tries = 40)
    void readsAlwaysMatchTheModel(@ForAll("versions") int version, @ForAll("clusterSizes") int clusterSize,
            @ForAll("steps") List<Step> steps) throws IOException {
        Path dir = Files.createTempDirectory("qcow2-model");
        Path path = dir.resolve("m.qcow2");
        byte[] model = new byte[(int) (SECTORS * 512)];
        try {
            Qcow2Image image = Qcow2Image.create(path, SECTORS * 512,
                    Qcow2Options.DEFAULTS.withVersion(version).withClusterSize(clusterSize));
            try (Arena arena = Arena.ofConfined()) {
                for (Step step : steps) {
                    long offset = step.sector() * 512;
                    int length = (int) Math.min(step.count(), SECTORS - step.sector()) * 512;
                    switch (step.kind()) {
                        case WRITE -> {
                            MemorySegment data = ImageFiles.pattern(arena, step.sector(), length / 512, step.seed());
                            image.write(offset, data);
                            MemorySegment.copy(data, 0, MemorySegment.ofArray(model), offset, length);
                        }
                        case DISCARD -> {
                            image.discard(offset, length);
                            Arrays.fill(model, (int) offset, (int) offset + length, (byte) 0);
                        }
                        case FLUSH -> image.flush();
                        case REOPEN -> {
                            image.close();
                            image = Qcow2Image.open(path, OpenMode.READ_WRITE, 2, 1);
                        }
                    }
                    MemorySegment all = arena.allocate(model.length);
                    image.read(0, all);
                    assertThat(ImageFiles.bytes(all)).as("after %s", step).isEqualTo(model);
                }
            } finally {
                image.close();
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Provide
    Arbitrary<Integer> versions() {
        return Arbitraries.of(2, 3);
    }

    @Provide
    Arbitrary<Integer> clusterSizes() {
        return Arbitraries.of(512, 1024, 4096);
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Combinators.combine(
                Arbitraries.of(Kind.WRITE, Kind.WRITE, Kind.WRITE, Kind.DISCARD, Kind.FLUSH, Kind.REOPEN),
                Arbitraries.longs().between(0, SECTORS - 1), Arbitraries.integers().between(1, 24),
                Arbitraries.integers().between(1, 1000)).as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(30);
    }
}
