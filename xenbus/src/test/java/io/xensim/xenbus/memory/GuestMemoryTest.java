package io.xensim.xenbus.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestMemoryTest {
    @Test
    void framesArePageAlignedZeroedAndBoundsChecked() {
        try (GuestMemory memory = GuestMemory.anonymous(4)) {
            assertThat(memory.frame(3).address() % Layouts.XEN_PAGE_SIZE).isZero();
            assertThat(memory.frame(3).byteSize()).isEqualTo(Layouts.XEN_PAGE_SIZE);
            assertThat(memory.frame(2).get(Layouts.U64, 8)).isZero();
            assertThat(memory.contains(3)).isTrue();
            assertThat(memory.contains(4)).isFalse();
            assertThat(memory.contains(-1)).isFalse();
            assertThat(memory.contains(3, 2)).isFalse();
            assertThatThrownBy(() -> memory.frame(4)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("gfn: 4");
            assertThatThrownBy(() -> memory.frame(0).get(Layouts.U8, Layouts.XEN_PAGE_SIZE))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void allocatorHandsOutContiguousRunsFirstFitAndZeroesThem() {
        try (GuestMemory memory = GuestMemory.anonymous(8)) {
            long a = memory.allocateFrame();
            long run = memory.allocateFrames(4);
            assertThat(a).isZero();
            assertThat(run).isEqualTo(1);
            memory.frame(a).set(Layouts.U8, 0, (byte) 9);
            memory.freeFrame(a);
            assertThat(memory.allocateFrames(2)).as("the hole at 0 is too small").isEqualTo(5);
            long again = memory.allocateFrame();
            assertThat(again).isZero();
            assertThat(memory.frame(again).get(Layouts.U8, 0)).isZero();
            assertThat(memory.allocateFrames(2)).isEqualTo(-1);
            assertThat(memory.allocatedFrames()).isEqualTo(8 - 1);
            assertThatThrownBy(() -> memory.freeFrames(7, 1)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void mappedMemoryIsTheFileSoAnotherProcessSeesTheSameBytes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("guest.mem");
        try (GuestMemory memory = GuestMemory.mapped(file, 2)) {
            memory.frame(1).set(Layouts.U32, 16, 0xCAFEBABE);
            assertThat(Files.size(file)).isEqualTo(2L * Layouts.XEN_PAGE_SIZE);
            try (FileChannel channel = FileChannel.open(file)) {
                ByteBuffer bytes = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                channel.read(bytes, Layouts.XEN_PAGE_SIZE + 16);
                assertThat(bytes.getInt(0)).isEqualTo(0xCAFEBABE);
            }
        }
    }
}
