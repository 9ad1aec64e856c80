package io.xensim.blk.image;

import static io.xensim.blk.image.BlockImage.SECTOR_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.xensim.blk.image.RawImage.Allocation;
import io.xensim.blk.image.RawImage.OpenMode;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The live-disk guard: one read-write opener at a time, in this process or across processes; readers always. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ImageLockTest {
    @TempDir
    Path dir;

    private Path image;

    @BeforeEach
    void createImage() throws Exception {
        image = dir.resolve("live.img");
        RawImage.create(image, 64, Allocation.SPARSE).close();
    }

    @Test
    void secondReadWriteOpenInThisProcessIsRefusedNamingTheImageAndThisProcess() throws Exception {
        try (RawImage writer = RawImage.open(image, OpenMode.READ_WRITE)) {
            ImageLockedException refused = catchThrowableOfType(ImageLockedException.class,
                    () -> RawImage.open(image, OpenMode.READ_WRITE));
            assertThat(refused.image()).isEqualTo(image);
            assertThat(refused.heldByThisProcess()).isTrue();
            assertThat(refused.holderPid()).hasValue(ProcessHandle.current().pid());
            assertThat(refused).hasMessageContaining("Failed to get \"write\" lock")
                    .hasMessageContaining("Is another process using the image [" + image + "]?")
                    .hasMessageContaining("held by this process");
            assertThat(writer.writable()).isTrue();
        }
        RawImage.open(image, OpenMode.READ_WRITE).close();   // closing released it
    }

    @Test
    void theLockBelongsToTheFileNotThePath() throws Exception {
        Path link = dir.resolve("alias.img");
        Files.createLink(link, image);
        try (RawImage writer = RawImage.open(image, OpenMode.READ_WRITE)) {
            ImageLockedException refused = catchThrowableOfType(ImageLockedException.class,
                    () -> RawImage.open(link, OpenMode.READ_WRITE));
            assertThat(refused.image()).isEqualTo(link);
            assertThat(refused.heldByThisProcess()).isTrue();
            assertThat(refused).hasMessageContaining("[" + link + "]");
        }
    }

    @Test
    void theImageCreatorHoldsTheLockFromTheStart() throws Exception {
        Path fresh = dir.resolve("fresh.img");
        try (RawImage creator = RawImage.create(fresh, 8, Allocation.PREALLOCATED)) {
            assertThatThrownBy(() -> RawImage.open(fresh, OpenMode.READ_WRITE)).isInstanceOf(ImageLockedException.class);
        }
    }

    @Test
    void readOnlyOpensStayPossibleWhileAWriterHoldsTheImage() throws Exception {
        try (RawImage writer = RawImage.open(image, OpenMode.READ_WRITE); Arena arena = Arena.ofConfined()) {
            writer.write(0, ImageFiles.pattern(arena, 0, 1, 5));
            try (RawImage reader = RawImage.open(image, OpenMode.READ_ONLY)) {
                var back = arena.allocate(SECTOR_SIZE);
                reader.read(0, back);
                assertThat(ImageFiles.bytes(back)).isEqualTo(ImageFiles.bytes(ImageFiles.pattern(arena, 0, 1, 5)));
            }
        }
        try (RawImage reader = RawImage.open(image, OpenMode.READ_ONLY); RawImage writer = RawImage.open(image, OpenMode.READ_WRITE)) {
            assertThat(reader.writable()).isFalse();   // and a reader does not keep a writer out
            assertThat(writer.writable()).isTrue();
        }
    }

    @Test
    void aReadWriteOpenInAnotherProcessIsRefusedNamingItsPidUntilItExits() throws Exception {
        try (ChildJvm holder = ChildJvm.start(ImageLockProbe.class, "hold", image.toString())) {
            assertThat(holder.readLine()).isEqualTo("locked " + holder.pid());

            ImageLockedException refused = catchThrowableOfType(ImageLockedException.class,
                    () -> RawImage.open(image, OpenMode.READ_WRITE));
            assertThat(refused.heldByThisProcess()).isFalse();
            assertThat(refused.holderPid()).hasValue(holder.pid());
            assertThat(refused).hasMessageContaining("held by process " + holder.pid())
                    .hasMessageContaining("Is another process using the image [" + image + "]?");
            RawImage.open(image, OpenMode.READ_ONLY).close();

            holder.closeStdin();
            assertThat(holder.readLine()).isEqualTo("released");
            assertThat(holder.waitFor()).isZero();
        }
        RawImage.open(image, OpenMode.READ_WRITE).close();
    }

    @Test
    void aKilledHolderLeavesNoStaleLock() throws Exception {
        try (ChildJvm holder = ChildJvm.start(ImageLockProbe.class, "hold", image.toString())) {
            assertThat(holder.readLine()).startsWith("locked ");
            assertThatThrownBy(() -> RawImage.open(image, OpenMode.READ_WRITE)).isInstanceOf(ImageLockedException.class);
            holder.kill();
        }
        RawImage.open(image, OpenMode.READ_WRITE).close();
    }

    @Test
    void anotherProcessIsRefusedWhileWeHoldTheImageEvenAfterWeClosedOtherDescriptorsOfIt() throws Exception {
        try (RawImage writer = RawImage.open(image, OpenMode.READ_WRITE)) {
            // The POSIX-lock trap: closing any descriptor of a file drops the process's fcntl locks on it.
            RawImage.open(image, OpenMode.READ_ONLY).close();
            Files.readAllBytes(image);
            try (ChildJvm other = ChildJvm.start(ImageLockProbe.class, "try", image.toString())) {
                assertThat(other.readLine()).startsWith("refused ")
                        .contains("held by process " + ProcessHandle.current().pid())
                        .contains("[" + image + "]");
                assertThat(other.waitFor()).isZero();
            }
            assertThat(writer.writable()).isTrue();
        }
        try (ChildJvm other = ChildJvm.start(ImageLockProbe.class, "try", image.toString())) {
            assertThat(other.readLine()).isEqualTo("opened");
            assertThat(other.waitFor()).isZero();
        }
    }
}
