package io.xensim.testbed.scale;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ScaleRunTest {
    @Test
    @Timeout(60)
    void tenGuestsConnectAndEveryNeighbourGetsItsFrame() {
        ScaleResult r = new ScaleRun(10).run();

        assertThat(r.guests()).isEqualTo(10);
        assertThat(r.framesSent()).isEqualTo(10);
        assertThat(r.framesReceived()).isEqualTo(10);
        assertThat(r.bootNanos()).isPositive();
        assertThat(r.heapBytes()).isPositive();
        // INVOKER mode: the calling thread steps every domain, so guests start no threads of their own.
        assertThat(r.threads()).isLessThan(10);
        assertThat(r.dom0Ports()).isGreaterThanOrEqualTo(3 * 10); // xenstore, the vif and the vbd, at least
    }

    @Test
    void macsCarryTheDomidInTheirLowBytes() {
        assertThat(ScaleRun.mac(1000)).hasToString("00:16:3e:00:03:e8");
    }
}
