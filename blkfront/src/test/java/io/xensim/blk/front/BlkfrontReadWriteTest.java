package io.xensim.blk.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class BlkfrontReadWriteTest {
    @Test
    void writesThenReadsBackThroughTheGuestApi() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            assertThat(f.front().state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            assertThat(f.front().sectors()).isEqualTo(BlkFixture.SECTORS);
            MemorySegment data = BlkFixture.pattern(24, 3);
            var w = f.submit(d -> d.write(100, data));
            assertThat(w).isCompletedWithValue(BlkStatus.OK);
            assertThat(f.imageBytes(100, 24)).isEqualTo(data.toArray(ValueLayout.JAVA_BYTE));
            MemorySegment back = MemorySegment.ofArray(new byte[24 * 512]);
            var r = f.submit(d -> d.read(100, back));
            assertThat(r).isCompletedWithValue(BlkStatus.OK);
            assertThat(back.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data.toArray(ValueLayout.JAVA_BYTE));
            assertThat(f.front().outstanding()).isZero();
        }
    }
}
