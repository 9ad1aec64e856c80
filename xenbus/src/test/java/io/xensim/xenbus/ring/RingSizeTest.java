package io.xensim.xenbus.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RingSizeTest {
    @Test
    void entriesRoundDownToAPowerOfTwoAfterTheHeader() {
        assertThat(RingSize.entries(4096, 12)).isEqualTo(256);      // 336 fit
        assertThat(RingSize.entries(4096, 112)).isEqualTo(32);      // 36 fit
        assertThat(RingSize.entries(4096, 4032)).isEqualTo(1);
        assertThat(RingSize.entries(8192, 16)).isEqualTo(256);      // 508 fit
        assertThat(RingSize.entriesForOrder(4, 112)).isEqualTo(512);
    }

    @Test
    void refusesSizesWithNoRoomAndOrdersOutOfRange() {
        assertThatThrownBy(() -> RingSize.entries(4096, 4033)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("areaBytes: 4096");
        assertThatThrownBy(() -> RingSize.entries(4096, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingSize.entriesForOrder(5, 12)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ringPageOrder: 5");
    }

    @Test
    void xenFlexRingSizeIsHalfTheArea() {
        assertThat(RingSize.xenFlexRingSize(0)).isEqualTo(2048);
        assertThat(RingSize.xenFlexRingSize(1)).isEqualTo(4096);
        assertThat(RingSize.xenFlexRingSize(9)).isEqualTo(1 << 20);
        assertThat(RingSize.xenFlexRingSize(51)).isEqualTo(1L << 62);
        assertThatThrownBy(() -> RingSize.xenFlexRingSize(52)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingSize.xenFlexRingSize(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
