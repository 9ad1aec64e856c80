package io.xensim.blk;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The real blkfront and blkback connected through the toolstack: the basic data path. */
class BlkPairTest {
    @Test
    void aGuestWritesAndReadsItsDisk() {
        try (var p = new BlkPair()) {
            p.addVbd(1, BlkPair.xvda("/images/dom1.img"));
            var d = p.front(1);
            assertThat(d.state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            assertThat(d.sectors()).isEqualTo(BlkPair.MEMORY_SECTORS);
            MemorySegment data = BlkPair.pattern(64 * 1024, 3);
            assertThat(p.run(1, f -> f.write(100, data))).isEqualTo(BlkStatus.OK);
            MemorySegment back = MemorySegment.ofArray(new byte[64 * 1024]);
            assertThat(p.run(1, f -> f.read(100, back))).isEqualTo(BlkStatus.OK);
            assertThat(back.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data.toArray(ValueLayout.JAVA_BYTE));
            assertThat(p.memoryDisk("/images/dom1.img").contents().asSlice(100 * 512L, 64 * 1024)
                    .toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data.toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
