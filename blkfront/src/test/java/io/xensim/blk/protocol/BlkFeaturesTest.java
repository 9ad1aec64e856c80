package io.xensim.blk.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BlkFeaturesTest {
    @Test
    void multiPageAndMultiQueueKeys() {
        assertThat(BlkFeatures.ringRef(0)).isEqualTo("ring-ref0");
        assertThat(BlkFeatures.ringRef(15)).isEqualTo("ring-ref15");
        assertThat(BlkFeatures.queueDir(1) + "/" + BlkFeatures.EVENT_CHANNEL).isEqualTo("queue-1/event-channel");
        assertThatThrownBy(() -> BlkFeatures.ringRef(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
