package io.xensim.xenbus.store.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class XsWireDecoderTest {
    private final XsWireDecoder decoder = new XsWireDecoder();
    private final List<XsMessage> out = new ArrayList<>();

    private static byte[] concat(byte[]... parts) {
        var b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    @Test
    void byteAtATime() {
        var m1 = XsMessage.of(XsType.XS_WRITE, 1, 0, "/a", "b");
        var m2 = new XsMessage(XsType.XS_TRANSACTION_START, 2, 0, new byte[0]);
        byte[] wire = concat(XsdSockmsg.encode(m1), XsdSockmsg.encode(m2));
        for (byte b : wire) {
            assertThat(decoder.feed(new byte[] {b}, out::add).isOk()).isTrue();
        }
        assertThat(out).containsExactly(m1, m2);
        assertThat(decoder.bufferedBytes()).isZero();
    }

    @Test
    void zeroLengthPayloadCompletesWithItsHeader() {
        var m = new XsMessage(XsType.XS_RESET_WATCHES, 9, 0, new byte[0]);
        assertThat(decoder.feed(XsdSockmsg.encode(m), out::add)).isEqualTo(Decoded.ok(1));
        assertThat(out).containsExactly(m);
    }

    @Test
    void overLongLenIsMalformedButEarlierMessagesArrive() {
        var good = XsMessage.of(XsType.XS_READ, 1, 0, "/a");
        byte[] bad = new XsdSockmsg(XsType.XS_WRITE.code(), 2, 0, 4097).encode();
        var verdict = decoder.feed(concat(XsdSockmsg.encode(good), bad, new byte[100]), out::add);
        assertThat(out).containsExactly(good);
        assertThat(verdict).isEqualTo(Decoded.malformed("len: 4097 (expected: <= XENSTORE_PAYLOAD_MAX 4096)"));
        assertThat(decoder.isMalformed()).isTrue();
        // Sticky: nothing after a bad header can be framed.
        assertThat(decoder.feed(XsdSockmsg.encode(good), out::add)).isInstanceOf(Decoded.Malformed.class);
        assertThat(out).hasSize(1);
        decoder.reset();
        assertThat(decoder.feed(XsdSockmsg.encode(good), out::add)).isEqualTo(Decoded.ok(1));
    }

    @Test
    void maximalPayloadIsAccepted() {
        var m = new XsMessage(XsType.XS_WRITE, 1, 0, new byte[XsdSockmsg.XENSTORE_PAYLOAD_MAX]);
        assertThat(decoder.feed(XsdSockmsg.encode(m), out::add)).isEqualTo(Decoded.ok(1));
        assertThat(out).containsExactly(m);
    }

    @Test
    void feedsFromMemorySegmentsAndBufferSlices() {
        var m = XsMessage.of(XsType.XS_DIRECTORY, 3, 4, "/local");
        byte[] wire = XsdSockmsg.encode(m);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(wire.length);
            seg.copyFrom(MemorySegment.ofArray(wire));
            decoder.feed(seg.asSlice(0, 10), out::add);
            decoder.feed(seg.asSlice(10), out::add);
        }
        byte[] padded = concat(new byte[] {9, 9}, wire, new byte[] {9});
        decoder.feed(padded, 2, wire.length, out::add);
        assertThat(out).containsExactly(m, m);
    }

    @Test
    void partialStateIsReported() {
        byte[] wire = XsdSockmsg.encode(XsMessage.of(XsType.XS_READ, 1, 0, "/abc"));
        decoder.feed(java.util.Arrays.copyOf(wire, 10), out::add);
        assertThat(decoder.bufferedBytes()).isEqualTo(10);
        decoder.feed(java.util.Arrays.copyOfRange(wire, 10, 18), out::add);
        assertThat(decoder.bufferedBytes()).isEqualTo(18);
        assertThat(out).isEmpty();
    }
}
