package io.xensim.net.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The netif ring types carry the slot sizes of netif.h's DEFINE_RING_TYPES. */
class NetifRingTypesTest {
    @Test
    void entrySizesAreTheUnionsOfRequestAndResponse() {
        assertThat(NetifRing.TX.entrySize()).isEqualTo(NetifRing.TX_ENTRY_LENGTH).isEqualTo(12);
        assertThat(NetifRing.RX.entrySize()).isEqualTo(NetifRing.RX_ENTRY_LENGTH).isEqualTo(8);
        assertThat(NetifRing.CTRL.entrySize()).isEqualTo(NetifRing.CTRL_ENTRY_LENGTH).isEqualTo(16);
        assertThat(NetifRing.TX.size(0)).isEqualTo(NetifRing.TX_RING_SIZE);
        assertThat(NetifRing.RX.size(0)).isEqualTo(NetifRing.RX_RING_SIZE);
        assertThat(NetifRing.CTRL.size(0)).isEqualTo(NetifRing.CTRL_RING_SIZE);
    }
}
