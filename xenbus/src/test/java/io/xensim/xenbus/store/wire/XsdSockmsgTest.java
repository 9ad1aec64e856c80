package io.xensim.xenbus.store.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class XsdSockmsgTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    @Test
    void xsReadHeaderMatchesWire() {   // xsd_sockmsg: type, req_id, tx_id, len (all u32 LE), then payload
        byte[] wire = hex("02000000" + "01000000" + "00000000" + "03000000" + "2f6100");  // XS_READ, req 1, no tx, len 3, "/a\0"
        assertThat(XsdSockmsg.encode(XsType.XS_READ, 1, 0, "/a")).isEqualTo(wire);
        assertThat(XsdSockmsg.decode(MemorySegment.ofArray(wire)))
                .isEqualTo(Decoded.ok(new XsdSockmsg(XsType.XS_READ.code(), 1, 0, 3)));
    }

    @Test
    void watchEventGoldenBothWays() {
        byte[] wire = hex("0f000000" + "00000000" + "00000000" + "07000000"   // XS_WATCH_EVENT, req 0, tx 0, len 7
                + "2f610074 6f6b00".replace(" ", ""));                         // "/a\0tok\0"
        XsMessage event = XsMessage.watchEvent("/a", "tok");
        assertThat(XsdSockmsg.encode(event)).isEqualTo(wire);
        var decoded = new java.util.ArrayList<XsMessage>();
        assertThat(new XsWireDecoder().feed(wire, decoded::add)).isEqualTo(Decoded.ok(1));
        assertThat(decoded).containsExactly(event);
    }

    @Test
    void transactionalWriteWithLargeIdsIsLittleEndian() {
        byte[] wire = hex("0b000000" + "efbeadde" + "78563412" + "05000000"   // XS_WRITE, req 0xdeadbeef, tx 0x12345678
                + "2f78007631");                                               // "/x\0v1" (value has no NUL)
        var m = new XsMessage(XsType.XS_WRITE, 0xdeadbeef, 0x12345678,
                XsPayloads.stringThenBytes("/x", XsPayloads.bytes("v1")));
        assertThat(XsdSockmsg.encode(m)).isEqualTo(wire);
        assertThat(XsdSockmsg.decode(MemorySegment.ofArray(wire)).orElseThrow())
                .isEqualTo(new XsdSockmsg(11, 0xdeadbeef, 0x12345678, 5));
    }

    @Test
    void errorReplyGolden() {
        byte[] wire = hex("10000000" + "07000000" + "00000000" + "07000000" + "45414343455300");
        assertThat(XsdSockmsg.encode(XsMessage.error(7, 0, XsError.EACCES))).isEqualTo(wire);
    }

    @Test
    void payloadLimitIsInclusive() {
        byte[] max = new XsdSockmsg(2, 0, 0, XsdSockmsg.XENSTORE_PAYLOAD_MAX).encode();
        byte[] over = new XsdSockmsg(2, 0, 0, XsdSockmsg.XENSTORE_PAYLOAD_MAX + 1).encode();
        byte[] huge = new XsdSockmsg(2, 0, 0, 0xffffffff).encode();
        assertThat(XsdSockmsg.decode(MemorySegment.ofArray(max)).isOk()).isTrue();
        assertThat(XsdSockmsg.decode(MemorySegment.ofArray(over))).isInstanceOf(Decoded.Malformed.class);
        assertThat(XsdSockmsg.decode(MemorySegment.ofArray(huge)))
                .isEqualTo(Decoded.malformed("len: 4294967295 (expected: <= XENSTORE_PAYLOAD_MAX 4096)"));
        assertThat(XsdSockmsg.decode(MemorySegment.ofArray(new byte[15]))).isInstanceOf(Decoded.Malformed.class);
    }

    @Test
    void layoutConstantsAreTheCOnes() {
        assertThat(XsdSockmsg.LENGTH).isEqualTo(16);
        assertThat(new int[] {XsdSockmsg.TYPE_OFFSET, XsdSockmsg.REQ_ID_OFFSET, XsdSockmsg.TX_ID_OFFSET,
                XsdSockmsg.LEN_OFFSET}).containsExactly(0, 4, 8, 12);
        assertThat(XsdSockmsg.XENSTORE_PAYLOAD_MAX).isEqualTo(4096);
        assertThat(XsdSockmsg.XENSTORE_ABS_PATH_MAX).isEqualTo(3072);
        assertThat(XsdSockmsg.XENSTORE_REL_PATH_MAX).isEqualTo(2048);
    }
}
