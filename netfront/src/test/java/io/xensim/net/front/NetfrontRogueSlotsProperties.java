package io.xensim.net.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.frame.Frame;
import io.xensim.net.guest.GuestNetInterface.LinkState;
import io.xensim.net.protocol.NetifRxRequest;
import io.xensim.net.protocol.NetifTxResponse;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Whatever a backend writes into the response slots, netfront never throws, ends either working or disabled, and
 * when it still works the next well-formed frame arrives byte for byte.
 */
class NetfrontRogueSlotsProperties {
    @Property(tries = 25)
    void arbitraryRxSlotsNeverThrowAndNeverCorruptTheNextFrame(
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 0xffff) Integer> words,
            @ForAll @IntRange(min = 1, max = 4000) int fill) {
        try (var net = new NetFixture(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX)) {
            net.addVif();
            var front = net.front();
            List<Frame> got = new ArrayList<>();
            front.setReceiver(got::add);
            net.onBackRun(() -> {
                var b = net.back();
                for (int i = 0; i + 3 < words.size() + 3; i += 4) {
                    NetifRxRequest req = b.nextRx(0);
                    b.write(req.gref(), 0, new byte[fill]);
                    int id = words.get(i % words.size());
                    int offset = words.get((i + 1) % words.size()) & 0x1fff;
                    int flags = words.get((i + 2) % words.size()) & 0x1f;
                    int status = (short) (int) words.get((i + 3) % words.size());
                    b.putRxRaw(0, id, offset, flags, status);
                }
                b.pushRx(0);
            });
            for (Frame f : got) {
                // Whatever arrived is made of bytes the backend put in the pages: zeros here.
                assertThat(f.toByteArray()).containsOnly((byte) 0);
            }
            if (front.linkState() == LinkState.UP) {
                var good = NetfrontTxTest.tcp4(NetTxFrames.PEER, 700, 0);
                got.clear();
                net.onBackRun(() -> net.back().deliver(0, good.toByteArray(), 0));
                assertThat(got).singleElement().satisfies(f -> assertThat(f.toByteArray())
                        .isEqualTo(good.toByteArray()));
            } else {
                assertThat(front.linkState()).isEqualTo(LinkState.BROKEN);
            }
        }
    }

    @Property(tries = 25)
    void arbitraryTxResponsesNeverThrow(
            @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 0, max = 0xffff) Integer> ids,
            @ForAll @IntRange(min = -2, max = 1) int status) {
        try (var net = new NetFixture(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX)) {
            net.addVif();
            var front = net.front();
            var frame = NetfrontTxTest.tcp4(front.mac(), 100, 0);
            net.onGuest(() -> {
                for (int i = 0; i < ids.size(); i++) {
                    front.send(frame);
                }
                return null;
            });
            net.onBackRun(() -> {
                net.back().takeTxSlots(0);
                for (int id : ids) {
                    net.back().putTx(0, new NetifTxResponse(id, status));
                }
                net.back().pushTx(0);
            });
            assertThat(front.linkState()).isIn(LinkState.UP, LinkState.BROKEN);
        }
    }
}
