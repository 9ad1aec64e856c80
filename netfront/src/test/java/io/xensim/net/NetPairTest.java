package io.xensim.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.guest.GuestNetInterface.LinkState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The real netfront against the real netback, two guests on one bridge. */
@Timeout(60)
class NetPairTest {
    @Test
    void bothGuestsReachConnected() {
        try (var pair = new NetPair()) {
            for (int d = 1; d <= 2; d++) {
                assertThat(pair.read("/local/domain/" + d + "/device/vif/0/state")).as("front %d", d).isEqualTo("4");
                assertThat(pair.read("/local/domain/0/backend/vif/" + d + "/0/state")).as("back %d", d).isEqualTo("4");
                assertThat(pair.read("/local/domain/0/backend/vif/" + d + "/0/hotplug-status")).isEqualTo("connected");
                int domid = d;
                assertThat(pair.onGuest(d, () -> pair.front(domid).linkState())).isEqualTo(LinkState.UP);
            }
            assertThat(pair.bridge().portNames()).containsExactlyInAnyOrder("vif1.0", "vif2.0");
        }
    }
}
