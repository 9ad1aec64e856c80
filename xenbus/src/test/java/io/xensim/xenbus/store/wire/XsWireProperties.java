package io.xensim.xenbus.store.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class XsWireProperties {
    @Provide
    Arbitrary<XsMessage> messages() {
        return Combinators.combine(Arbitraries.integers(), Arbitraries.integers(), Arbitraries.integers(),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(XsdSockmsg.XENSTORE_PAYLOAD_MAX))
                .as(XsMessage::new);
    }

    @Provide
    Arbitrary<List<XsMessage>> streams() {
        return Combinators.combine(Arbitraries.integers().between(0, 30), Arbitraries.integers(),
                Arbitraries.integers(), Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
                .as(XsMessage::new).list().ofMaxSize(12);
    }

    @Property
    void headerRoundTrips(@ForAll int type, @ForAll int reqId, @ForAll int txId,
                          @ForAll @IntRange(max = XsdSockmsg.XENSTORE_PAYLOAD_MAX) int len) {
        var h = new XsdSockmsg(type, reqId, txId, len);
        assertThat(XsdSockmsg.decode(MemorySegment.ofArray(h.encode()))).isEqualTo(Decoded.ok(h));
    }

    @Property
    void anySixteenBytesDecodeWithoutThrowing(@ForAll @Size(16) byte[] bytes) {
        var d = XsdSockmsg.decode(MemorySegment.ofArray(bytes));
        long len = Integer.toUnsignedLong(MemorySegment.ofArray(bytes).get(io.xensim.xenbus.memory.Layouts.U32, 12));
        assertThat(d.isOk()).isEqualTo(len <= XsdSockmsg.XENSTORE_PAYLOAD_MAX);
    }

    @Property
    void messageRoundTrips(@ForAll("messages") XsMessage m) {
        List<XsMessage> out = new ArrayList<>();
        assertThat(new XsWireDecoder().feed(XsdSockmsg.encode(m), out::add)).isEqualTo(Decoded.ok(1));
        assertThat(out).containsExactly(m);
    }

    @Property
    void randomChunkSplitsYieldTheSameMessages(@ForAll("streams") List<XsMessage> messages,
                                               @ForAll List<@IntRange(min = 1, max = 64) Integer> chunkSizes) {
        var wire = new ByteArrayOutputStream();
        messages.forEach(m -> wire.writeBytes(XsdSockmsg.encode(m)));
        byte[] bytes = wire.toByteArray();
        var decoder = new XsWireDecoder();
        List<XsMessage> out = new ArrayList<>();
        int pos = 0;
        int i = 0;
        while (pos < bytes.length) {
            int n = chunkSizes.isEmpty() ? 7 : chunkSizes.get(i++ % chunkSizes.size());
            n = Math.min(n, bytes.length - pos);
            assertThat(decoder.feed(Arrays.copyOfRange(bytes, pos, pos + n), out::add).isOk()).isTrue();
            assertThat(decoder.bufferedBytes()).isLessThanOrEqualTo(XsdSockmsg.LENGTH + XsdSockmsg.XENSTORE_PAYLOAD_MAX);
            pos += n;
        }
        assertThat(out).isEqualTo(messages);
        assertThat(decoder.bufferedBytes()).isZero();
    }

    @Property
    void arbitraryBytesNeverThrowAndStayBounded(@ForAll @Size(max = 20000) byte[] bytes,
                                                @ForAll @IntRange(min = 1, max = 5000) int chunk) {
        var decoder = new XsWireDecoder();
        int pos = 0;
        while (pos < bytes.length) {
            int n = Math.min(chunk, bytes.length - pos);
            Decoded<Integer> r = decoder.feed(bytes, pos, n, m -> assertThat(m.len())
                    .isLessThanOrEqualTo(XsdSockmsg.XENSTORE_PAYLOAD_MAX));
            assertThat(r).isNotNull();
            assertThat(decoder.bufferedBytes()).isLessThanOrEqualTo(XsdSockmsg.LENGTH + XsdSockmsg.XENSTORE_PAYLOAD_MAX);
            pos += n;
        }
    }

    @Property
    void splitOfStringsInvertsStrings(@ForAll List<@net.jqwik.api.constraints.CharRange(from = 1, to = 255) String> strings) {
        byte[] payload = XsPayloads.strings(strings.toArray(String[]::new));
        assertThat(XsPayloads.split(payload)).isEqualTo(strings);
        assertThat(XsPayloads.countStrings(payload)).isEqualTo(strings.size());
    }

    @Property
    void permissionRoundTrips(@ForAll XsPermission.Access access, @ForAll @IntRange(max = 0x7fef) int domid) {
        var p = new XsPermission(access, domid);
        assertThat(XsPermission.parse(p.toString())).isEqualTo(Decoded.ok(p));
    }

    @Property
    void permissionParseNeverThrows(@ForAll String s) {
        assertThat(XsPermission.parse(s)).isNotNull();
        CNumbers.atoi(s);
    }
}
