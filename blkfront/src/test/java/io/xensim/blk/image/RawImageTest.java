package io.xensim.blk.image;

import static io.xensim.blk.image.BlockImage.SECTOR_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.blk.image.RawImage.Allocation;
import io.xensim.blk.image.RawImage.OpenMode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawImageTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private final Arena arena = Arena.ofShared();

    @AfterEach
    void closeArena() {
        arena.close();
    }

    @Test
    void writtenSectorsReadBackAfterReopen() throws Exception {
        Path file = dir.resolve("disk.img");
        MemorySegment data = ImageFiles.pattern(arena, 3, 9, 1);
        try (RawImage image = RawImage.create(file, 64, Allocation.SPARSE)) {
            assertThat(image.sectors()).isEqualTo(64);
            assertThat(image.writable()).isTrue();
            assertThat(image.name()).isEqualTo(file.toString());
            image.write(3 * SECTOR_SIZE, data);
            image.flush();
        }
        assertThat(Files.size(file)).isEqualTo(64 * SECTOR_SIZE);
        try (RawImage image = RawImage.open(file, OpenMode.READ_ONLY)) {
            MemorySegment back = arena.allocate(9 * SECTOR_SIZE);
            image.read(3 * SECTOR_SIZE, back);
            assertThat(ImageFiles.bytes(back)).isEqualTo(ImageFiles.bytes(data));
        }
        byte[] raw = Files.readAllBytes(file);
        assertThat(raw[3 * SECTOR_SIZE]).isEqualTo(data.get(ValueLayout.JAVA_BYTE, 0));
        assertThat(raw[3 * SECTOR_SIZE - 1]).isZero();
        assertThat(raw[12 * SECTOR_SIZE]).isZero();
    }

    @Test
    void sparseImageAllocatesNothingAndItsHolesReadZero() throws Exception {
        Path file = dir.resolve("sparse.img");
        try (RawImage image = RawImage.create(file, 16 * MIB / SECTOR_SIZE, Allocation.SPARSE)) {
            assertThat(ImageFiles.allocatedBytes(file)).isZero();
            MemorySegment back = arena.allocate(MIB);
            back.fill((byte) 0x5a);
            image.read(7 * MIB, back);
            assertThat(back.asByteBuffer().equals(arena.allocate(MIB).asByteBuffer())).isTrue();
        }
    }

    @Test
    void preallocatedImageHasEveryBlockAllocated() throws Exception {
        Path file = dir.resolve("full.img");
        try (RawImage image = RawImage.create(file, 16 * MIB / SECTOR_SIZE, Allocation.PREALLOCATED)) {
            assertThat(ImageFiles.allocatedBytes(file)).isGreaterThanOrEqualTo(16 * MIB);
            MemorySegment back = arena.allocate(SECTOR_SIZE);
            image.read(0, back);
            assertThat(ImageFiles.bytes(back)).containsOnly(0);
        }
    }

    @Test
    void discardFreesTheBlocksAndTheyReadZero() throws Exception {
        Path file = dir.resolve("discard.img");
        try (RawImage image = RawImage.create(file, 8 * MIB / SECTOR_SIZE, Allocation.SPARSE)) {
            image.write(2 * MIB, ImageFiles.pattern(arena, 2 * MIB / SECTOR_SIZE, (int) (2 * MIB / SECTOR_SIZE), 7));
            image.flush();
            assertThat(ImageFiles.allocatedBytes(file)).isGreaterThanOrEqualTo(2 * MIB);
            assertThat(image.discardable()).isTrue();

            image.discard(2 * MIB, 2 * MIB);
            image.flush();

            assertThat(ImageFiles.allocatedBytes(file)).isLessThan(2 * MIB);
            MemorySegment back = arena.allocate(2 * MIB);
            image.read(2 * MIB, back);
            assertThat(back.asByteBuffer().equals(arena.allocate(2 * MIB).asByteBuffer())).isTrue();
            assertThat(Files.size(file)).isEqualTo(8 * MIB);   // KEEP_SIZE
        }
    }

    @Test
    void whereHolesCannotBePunchedDiscardWritesZerosAndIsNoLongerOffered() throws Exception {
        Path file = dir.resolve("nopunch.img");
        try (RawImage image = RawImage.create(file, 64, Allocation.SPARSE)) {
            image.write(0, ImageFiles.pattern(arena, 0, 64, 4));
            image.simulatePunchHoleUnsupported();
            image.discard(5 * SECTOR_SIZE, 20 * SECTOR_SIZE);
            assertThat(image.discardable()).isFalse();
            MemorySegment back = arena.allocate(64 * SECTOR_SIZE);
            image.read(0, back);
            byte[] expected = ImageFiles.bytes(ImageFiles.pattern(arena, 0, 64, 4));
            java.util.Arrays.fill(expected, 5 * SECTOR_SIZE, 25 * SECTOR_SIZE, (byte) 0);
            assertThat(ImageFiles.bytes(back)).isEqualTo(expected);
            assertThat(ImageFiles.allocatedBytes(file)).isGreaterThanOrEqualTo(64 * SECTOR_SIZE);   // zeros, not holes
        }
    }

    @Test
    void discardOfSectorsInsideOneHostBlockZeroesOnlyThose() throws Exception {
        Path file = dir.resolve("partial.img");
        try (RawImage image = RawImage.create(file, 64, Allocation.PREALLOCATED)) {
            MemorySegment data = ImageFiles.pattern(arena, 8, 8, 3);   // one 4 KiB block: sectors 8..15
            image.write(8 * SECTOR_SIZE, data);
            image.discard(10 * SECTOR_SIZE, 3 * SECTOR_SIZE);
            MemorySegment back = arena.allocate(8 * SECTOR_SIZE);
            image.read(8 * SECTOR_SIZE, back);
            byte[] expected = ImageFiles.bytes(data);
            java.util.Arrays.fill(expected, 2 * SECTOR_SIZE, 5 * SECTOR_SIZE, (byte) 0);
            assertThat(ImageFiles.bytes(back)).isEqualTo(expected);
        }
    }

    @Test
    void readOnlyImageRefusesWritesFlushesAndDiscards() throws Exception {
        Path file = dir.resolve("ro.img");
        RawImage.create(file, 8, Allocation.SPARSE).close();
        try (RawImage image = RawImage.open(file, OpenMode.READ_ONLY)) {
            assertThat(image.writable()).isFalse();
            assertThat(image.discardable()).isFalse();
            MemorySegment sector = arena.allocate(SECTOR_SIZE);
            assertThatThrownBy(() -> image.write(0, sector)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining("read-only");
            assertThatThrownBy(image::flush).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> image.discard(0, SECTOR_SIZE)).isInstanceOf(IllegalStateException.class);
        }
        assertThat(Files.readAllBytes(file)).containsOnly(0);
    }

    @Test
    void trailingPartialSectorIsNotExposed() throws Exception {
        Path file = dir.resolve("odd.img");
        Files.write(file, new byte[10 * SECTOR_SIZE + 100]);
        try (RawImage image = RawImage.open(file, OpenMode.READ_WRITE)) {
            assertThat(image.sectors()).isEqualTo(10);
            MemorySegment sector = arena.allocate(SECTOR_SIZE);
            image.read(9 * SECTOR_SIZE, sector);
            assertThatThrownBy(() -> image.read(10 * SECTOR_SIZE, sector)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> image.write(10 * SECTOR_SIZE, sector)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Files.size(file)).isEqualTo(10 * SECTOR_SIZE + 100);
    }

    @Test
    void unalignedOrOutOfRangeRequestsAreProgrammingErrors() throws Exception {
        try (RawImage image = RawImage.create(dir.resolve("r.img"), 8, Allocation.SPARSE)) {
            assertThatThrownBy(() -> image.read(100, arena.allocate(SECTOR_SIZE))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> image.write(0, arena.allocate(100))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> image.discard(7 * SECTOR_SIZE, 2 * SECTOR_SIZE)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void createNeverOverwritesAnExistingFile() throws Exception {
        Path file = dir.resolve("exists.img");
        Files.write(file, new byte[] {42});
        assertThatThrownBy(() -> RawImage.create(file, 8, Allocation.SPARSE)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readAllBytes(file)).containsExactly(42);
        assertThatThrownBy(() -> RawImage.open(dir.resolve("missing.img"), OpenMode.READ_ONLY))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void heapSegmentsOfAnyArrayTypeRoundTrip() throws Exception {
        try (RawImage image = RawImage.create(dir.resolve("heap.img"), 8, Allocation.SPARSE)) {
            int[] words = new int[SECTOR_SIZE / 4];
            for (int i = 0; i < words.length; i++) {
                words[i] = i * 31 + 7;
            }
            image.write(SECTOR_SIZE, MemorySegment.ofArray(words));
            long[] back = new long[SECTOR_SIZE / 8];
            image.read(SECTOR_SIZE, MemorySegment.ofArray(back));
            assertThat(MemorySegment.ofArray(back).mismatch(MemorySegment.ofArray(words))).isEqualTo(-1);
            byte[] bytes = new byte[SECTOR_SIZE];
            image.read(SECTOR_SIZE, MemorySegment.ofArray(bytes));
            assertThat(MemorySegment.ofArray(bytes).mismatch(MemorySegment.ofArray(words))).isEqualTo(-1);
        }
    }

    @Test
    void anInterruptFailsOnlyTheInterruptedCallAndTheImageGoesOn() throws Exception {
        try (RawImage image = RawImage.create(dir.resolve("intr.img"), 16, Allocation.SPARSE)) {
            MemorySegment data = ImageFiles.pattern(arena, 0, 1, 9);
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> image.write(0, data)).isInstanceOf(ClosedByInterruptException.class);
            } finally {
                Thread.interrupted();
            }
            image.write(SECTOR_SIZE, data);
            image.flush();
            MemorySegment back = arena.allocate(SECTOR_SIZE);
            image.read(SECTOR_SIZE, back);
            assertThat(ImageFiles.bytes(back)).isEqualTo(ImageFiles.bytes(data));
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void interruptsOfOneThreadNeverFailAnotherThreadsCalls() throws Exception {
        int workers = 3, writesEach = 200;
        try (RawImage image = RawImage.create(dir.resolve("intr-many.img"), workers * writesEach + 64, Allocation.SPARSE)) {
            var pool = java.util.concurrent.Executors.newFixedThreadPool(workers + 1);
            try {
                var start = new java.util.concurrent.CountDownLatch(1);
                var futures = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
                for (int w = 0; w < workers; w++) {
                    int first = w * writesEach;
                    futures.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < writesEach; i++) {
                            image.write((long) (first + i) * SECTOR_SIZE, ImageFiles.pattern(arena, first + i, 1, 11));
                        }
                        return writesEach;
                    }));
                }
                futures.add(pool.submit(() -> {
                    start.await();
                    int refused = 0;
                    for (int i = 0; i < 50; i++) {
                        Thread.currentThread().interrupt();
                        try {
                            image.write((long) (workers * writesEach + i % 64) * SECTOR_SIZE, ImageFiles.pattern(arena, 0, 1, 12));
                        } catch (ClosedByInterruptException e) {
                            refused++;
                        } finally {
                            Thread.interrupted();
                        }
                    }
                    return refused;
                }));
                start.countDown();
                for (int w = 0; w < workers; w++) {
                    assertThat(futures.get(w).get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(writesEach);
                }
                assertThat(futures.get(workers).get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(50);
            } finally {
                pool.shutdownNow();
            }
            MemorySegment back = arena.allocate((long) workers * writesEach * SECTOR_SIZE);
            image.read(0, back);
            assertThat(ImageFiles.bytes(back)).isEqualTo(ImageFiles.bytes(ImageFiles.pattern(arena, 0, workers * writesEach, 11)));
        }
    }

    @Test
    void physicalSectorSizeIsTheHostBlockSize() throws Exception {
        try (RawImage image = RawImage.create(dir.resolve("p.img"), 8, Allocation.SPARSE)) {
            assertThat(image.sectorSize()).isEqualTo(SECTOR_SIZE);
            assertThat(image.physicalSectorSize()).isEqualTo(Files.getFileStore(dir).getBlockSize());
        }
    }

    @Test
    void closeIsIdempotentAndLaterCallsFail() throws Exception {
        RawImage image = RawImage.create(dir.resolve("c.img"), 8, Allocation.SPARSE);
        image.close();
        image.close();
        assertThatThrownBy(() -> image.read(0, arena.allocate(SECTOR_SIZE))).isInstanceOf(IOException.class);
    }
}
