package io.xensim.net.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NetFeaturesTest {
    @Test
    void queueDirectoriesAreNumberedFromZero() {
        assertThat(NetFeatures.queueDir(0) + "/" + NetFeatures.TX_RING_REF).isEqualTo("queue-0/tx-ring-ref");
        assertThatThrownBy(() -> NetFeatures.queueDir(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
