package io.xensim.xenbus.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.bus.demo.EchoDrivers;
import io.xensim.xenbus.bus.demo.EchoRequest;
import io.xensim.xenbus.bus.demo.EchoResponse;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A ring type fixes the slot size and the codecs; typed puts and takes go through them, takes through a copy. */
class RingTypeTest {
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    @Test
    void theEntryIsTheLargerOfRequestAndResponse() {
        var type = RingType.of("t", SlotLayout.opaque("req", 12), SlotLayout.opaque("rsp", 4));
        assertThat(type.entrySize()).isEqualTo(12);
        assertThat(type.size(0)).isEqualTo(256);
        assertThat(EchoDrivers.RING.entrySize()).isEqualTo(16);
        assertThat(EchoDrivers.RING.size(2)).isEqualTo(512); // (16384 - 64) / 16 = 1020, rounded down to 2^9
        assertThatThrownBy(() -> RingType.of("huge", SlotLayout.opaque("req", 8192), SlotLayout.opaque("rsp", 4)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void typedRequestsAndResponsesRoundTripAndATakeReadsAPrivateCopy() {
        var area = arena.allocate(Layouts.XEN_PAGE_SIZE, Layouts.XEN_PAGE_SIZE);
        FrontRing<EchoRequest, EchoResponse> front = FrontRing.init(area, EchoDrivers.RING);
        BackRing<EchoRequest, EchoResponse> back = BackRing.init(area, EchoDrivers.RING);
        assertThat(front.size()).isEqualTo(EchoDrivers.RING.size(0));

        front.putRequest(new EchoRequest(7, 42));
        front.pushRequests();
        long slot = back.slotOffset(back.reqCons());
        Decoded<EchoRequest> taken = back.takeRequest();
        // The frontend rewrites the shared slot after the take: what was decoded does not change.
        area.set(Layouts.U64, slot + EchoRequest.VALUE_OFFSET, 666L);
        assertThat(taken).isEqualTo(Decoded.ok(new EchoRequest(7, 42)));
        assertThat(back.lastTaken().get(Layouts.U64, EchoRequest.VALUE_OFFSET)).isEqualTo(42L);

        back.putResponse(new EchoResponse(7, EchoResponse.ECHO_RSP_OKAY, 42));
        back.pushResponses();
        assertThat(front.unconsumedResponses()).isEqualTo(1);
        assertThat(front.takeResponse()).isEqualTo(Decoded.ok(new EchoResponse(7, EchoResponse.ECHO_RSP_OKAY, 42)));

        // A response slot the backend filled with a status no backend sends is a value, not an exception.
        front.putRequest(new EchoRequest(8, 1));
        front.pushRequests();
        back.takeRequest();
        back.putResponse(new EchoResponse(8, 12345, 0));
        back.pushResponses();
        assertThat(front.takeResponse()).isInstanceOf(Decoded.Malformed.class);
    }
}
