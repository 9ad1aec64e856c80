package io.xensim.net.frame;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class InternetChecksumProperties {

    /** RFC 1071 as written: 16-bit words, end-around carry after every addition, then the complement. */
    static int reference(byte[] b, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i += 2) {
            int word = (b[i] & 0xff) << 8 | (i + 1 < to ? b[i + 1] & 0xff : 0);
            sum += word;
            if (sum > 0xffff) {
                sum = (sum & 0xffff) + 1;
            }
        }
        return ~sum & 0xffff;
    }

    @Property
    void checksumMatchesTheWordByWordReference(@ForAll @Size(max = 2000) byte[] bytes,
                                               @ForAll @IntRange(max = 2000) int a, @ForAll @IntRange(max = 2000) int b) {
        int from = Math.min(a, b) % (bytes.length + 1);
        int to = Math.max(from, Math.max(a, b) % (bytes.length + 1));
        assertThat(InternetChecksum.checksum(MemorySegment.ofArray(bytes), from, to - from))
                .isEqualTo(reference(bytes, from, to));
    }

    @Property
    void aPartialSumContinuesAfterAnEvenSplit(@ForAll @Size(max = 600) byte[] bytes, @ForAll @IntRange(max = 300) int half) {
        int split = Math.min(2 * half, bytes.length);
        var s = MemorySegment.ofArray(bytes);
        long first = InternetChecksum.sum(s, 0, split, 0);
        assertThat(~InternetChecksum.fold(InternetChecksum.sum(s, split, bytes.length - split, first)) & 0xffff)
                .isEqualTo(reference(bytes, 0, bytes.length));
    }

    @Property
    void storingTheChecksumMakesTheRegionSumToZero(@ForAll @Size(min = 2, max = 1500) byte[] bytes,
                                                   @ForAll @IntRange(max = 700) int where) {
        int at = 2 * (where % (bytes.length / 2));
        bytes[at] = 0;
        bytes[at + 1] = 0;
        var s = MemorySegment.ofArray(bytes);
        int check = InternetChecksum.checksum(s, 0, bytes.length);
        bytes[at] = (byte) (check >>> 8);
        bytes[at + 1] = (byte) check;
        assertThat(InternetChecksum.checksum(s, 0, bytes.length)).isZero();
    }

    @Test
    void rfc1071Example() {   // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, checksum 220d
        var bytes = HexFormat.of().parseHex("0001f203f4f5f6f7");
        assertThat(InternetChecksum.fold(InternetChecksum.sum(MemorySegment.ofArray(bytes), 0, 8, 0)))
                .isEqualTo(0xddf2);
        assertThat(InternetChecksum.checksum(MemorySegment.ofArray(bytes), 0, 8)).isEqualTo(0x220d);
    }

    @Test
    void aKnownIpv4HeaderChecksum() {   // the classic example header: 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7
        var header = HexFormat.of().parseHex("450000730000400040110000c0a80001c0a800c7");
        assertThat(InternetChecksum.checksum(MemorySegment.ofArray(header), 0, 20)).isEqualTo(0xb861);
    }
}
