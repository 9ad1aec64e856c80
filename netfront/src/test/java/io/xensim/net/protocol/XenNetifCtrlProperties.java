package io.xensim.net.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOver;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Round trips and arbitrary bytes for the control ring's request, response and grant-list entry. */
class XenNetifCtrlProperties {
    @Property
    void requestRoundTrips(@ForAll @IntRange(max = 0xffff) int id, @ForAll @IntRange(max = 0xffff) int type,
                           @ForAll int d0, @ForAll int d1, @ForAll int d2) {
        var original = new XenNetifCtrlRequest(id, type, d0, d1, d2);
        byte[] bytes = encodeOver(new byte[XenNetifCtrlRequest.LENGTH], original::encode);
        assertThat(XenNetifCtrlRequest.decode(segment(bytes))).isEqualTo(Decoded.ok(original));
    }

    @Property
    void everyRequestBitPatternDecodesAndReEncodesToItself(@ForAll @Size(XenNetifCtrlRequest.LENGTH) byte[] bytes) {
        var request = XenNetifCtrlRequest.decode(segment(bytes)).orElseThrow();
        assertThat(encodeOver(new byte[XenNetifCtrlRequest.LENGTH], request::encode)).isEqualTo(bytes);
    }

    @Property
    void responseRoundTrips(@ForAll @IntRange(max = 0xffff) int id, @ForAll @IntRange(max = 0xffff) int type,
                            @ForAll int status, @ForAll int data) {
        var original = new XenNetifCtrlResponse(id, type, status, data);
        byte[] bytes = encodeOver(new byte[XenNetifCtrlResponse.LENGTH], original::encode);
        assertThat(XenNetifCtrlResponse.decode(segment(bytes))).isEqualTo(Decoded.ok(original));
    }

    @Property
    void everyResponseBitPatternDecodesAndReEncodesToItself(@ForAll @Size(XenNetifCtrlResponse.LENGTH) byte[] bytes) {
        var response = XenNetifCtrlResponse.decode(segment(bytes)).orElseThrow();
        assertThat(encodeOver(new byte[XenNetifCtrlResponse.LENGTH], response::encode)).isEqualTo(bytes);
    }

    @Property
    void grefRoundTrips(@ForAll int ref, @ForAll @IntRange(max = 0xffff) int flags,
                        @ForAll @IntRange(max = 0xffff) int status) {
        var original = new XenNetifGref(ref, flags, status);
        byte[] bytes = encodeOver(new byte[XenNetifGref.LENGTH], original::encode);
        assertThat(XenNetifGref.decode(segment(bytes))).isEqualTo(Decoded.ok(original));
    }

    @Property
    void everyGrefBitPatternDecodesAndReEncodesToItself(@ForAll @Size(XenNetifGref.LENGTH) byte[] bytes) {
        var gref = XenNetifGref.decode(segment(bytes)).orElseThrow();
        assertThat(encodeOver(new byte[XenNetifGref.LENGTH], gref::encode)).isEqualTo(bytes);
    }
}
