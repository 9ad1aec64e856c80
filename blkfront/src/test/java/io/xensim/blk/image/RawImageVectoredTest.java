package io.xensim.blk.image;

import static io.xensim.blk.image.BlockImage.SECTOR_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.blk.image.RawImage.Allocation;
import io.xensim.blk.image.RawImage.OpenMode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link RawImage#readv} and {@link RawImage#writev}: the parts land consecutively, checked against a model. */
class RawImageVectoredTest {
    private static final long SECTORS = 4096;   // 2 MiB

    @TempDir
    Path dir;

    private final Arena arena = Arena.ofShared();

    @AfterEach
    void closeArena() {
        arena.close();
    }

    /** Parts of 1..16 sectors, some empty; native, or with one heap part (the part-by-part fallback). */
    private MemorySegment[] parts(Random random, int count, boolean oneOnHeap) {
        MemorySegment[] parts = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            int bytes = random.nextInt(10) == 0 ? 0 : (1 + random.nextInt(16)) * SECTOR_SIZE;
            parts[i] = oneOnHeap && i == count / 2 ? MemorySegment.ofArray(new byte[bytes])
                    : arena.allocate(Math.max(bytes, 1), 4096).asSlice(0, bytes);
        }
        return parts;
    }

    private static long total(MemorySegment[] parts) {
        long n = 0;
        for (MemorySegment p : parts) {
            n += p.byteSize();
        }
        return n;
    }

    @ParameterizedTest(name = "one heap part: {0}")
    @ValueSource(booleans = {false, true})
    void writtenPartsReadBackInOrderAndNothingAroundThemChanges(boolean oneOnHeap) throws IOException {
        Path file = dir.resolve("v.img");
        byte[] model = new byte[(int) (SECTORS * SECTOR_SIZE)];
        var random = new Random(42);
        try (RawImage image = RawImage.create(file, SECTORS, Allocation.SPARSE)) {
            for (int round = 0; round < 40; round++) {
                MemorySegment[] parts = parts(random, 1 + random.nextInt(40), oneOnHeap);
                long length = total(parts);
                long offset = random.nextLong(SECTORS - length / SECTOR_SIZE + 1) * SECTOR_SIZE;
                long at = offset;
                for (MemorySegment p : parts) {
                    for (long i = 0; i < p.byteSize(); i++) {
                        byte b = (byte) random.nextInt();
                        p.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, b);
                        model[(int) (at + i)] = b;
                    }
                    at += p.byteSize();
                }
                image.writev(offset, parts);

                MemorySegment[] back = parts(random, 1 + random.nextInt(40), oneOnHeap);
                long backLength = total(back);
                long backOffset = random.nextLong(SECTORS - backLength / SECTOR_SIZE + 1) * SECTOR_SIZE;
                image.readv(backOffset, back);
                at = backOffset;
                for (MemorySegment p : back) {
                    assertThat(ImageFiles.bytes(p)).as("round %d at %d", round, at)
                            .isEqualTo(java.util.Arrays.copyOfRange(model, (int) at, (int) (at + p.byteSize())));
                    at += p.byteSize();
                }
            }
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(model);
    }

    @Test
    void moreThanIovMaxPartsAreMovedInSeveralCalls() throws IOException {
        Path file = dir.resolve("many.img");
        int count = Libc.IOV_MAX * 2 + 5;
        MemorySegment[] parts = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            parts[i] = arena.allocate(SECTOR_SIZE);
            parts[i].fill((byte) i);
        }
        try (RawImage image = RawImage.create(file, SECTORS, Allocation.SPARSE)) {
            image.writev(SECTOR_SIZE, parts);
            MemorySegment[] back = new MemorySegment[count];
            for (int i = 0; i < count; i++) {
                back[i] = arena.allocate(SECTOR_SIZE);
            }
            image.readv(SECTOR_SIZE, back);
            for (int i = 0; i < count; i++) {
                assertThat(ImageFiles.bytes(back[i])).as("part %d", i).containsOnly((byte) i);
            }
        }
        byte[] raw = Files.readAllBytes(file);
        assertThat(raw[0]).isZero();
        assertThat(raw[SECTOR_SIZE + (count - 1) * SECTOR_SIZE]).isEqualTo((byte) (count - 1));
        assertThat(raw[SECTOR_SIZE + count * SECTOR_SIZE]).isZero();
    }

    @Test
    void rangesPastTheEndReadOnlyImagesAndClosedImagesAreRefused() throws IOException {
        Path file = dir.resolve("r.img");
        MemorySegment[] two = {arena.allocate(SECTOR_SIZE), arena.allocate(SECTOR_SIZE)};
        try (RawImage image = RawImage.create(file, 8, Allocation.SPARSE)) {
            assertThatThrownBy(() -> image.readv(7 * SECTOR_SIZE, two)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> image.writev(7 * SECTOR_SIZE, two))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        try (RawImage image = RawImage.open(file, OpenMode.READ_ONLY)) {
            assertThatThrownBy(() -> image.writev(0, two)).isInstanceOf(IllegalStateException.class);
            image.readv(6 * SECTOR_SIZE, two);
            image.close();
            assertThatThrownBy(() -> image.readv(0, two)).isInstanceOf(ClosedChannelException.class);
        }
    }
}
