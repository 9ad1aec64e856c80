package io.xensim.blk.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** The qcow2 header codec: round trip, a golden vector both ways, and arbitrary bytes never crash the decoder. */
class Qcow2HeaderProperties {
    /**
     * The header {@code qemu-img create -f qcow2 x 4M} (qemu-utils 7.2) writes, field by field.
     */
    private static final String GOLDEN = ""
            + "514649fb" + "00000003"              // magic QFI\xfb, version 3
            + "0000000000000000" + "00000000"      // backing_file_offset, backing_file_size
            + "00000010" + "0000000000400000"      // cluster_bits 16, size 4 MiB
            + "00000000" + "00000001"              // crypt_method none, l1_size 1
            + "0000000000030000"                   // l1_table_offset (cluster 3)
            + "0000000000010000" + "00000001"      // refcount_table_offset (cluster 1), refcount_table_clusters
            + "00000000" + "0000000000000000"      // nb_snapshots, snapshots_offset
            + "0000000000000000" + "0000000000000000" + "0000000000000000"   // incompatible, compatible, autoclear
            + "00000004" + "00000070"              // refcount_order 4, header_length 112
            + "00" + "00000000000000";             // compression_type zlib, padding

    private static final Qcow2Header GOLDEN_HEADER = new Qcow2Header(3, 0, 0, 16, 4L << 20, 0, 1, 0x30000, 0x10000,
            1, 0, 0, 0, 0, 0, 4, 112, 0);

    @Example
    void goldenHeaderDecodesAndEncodesBack() throws Exception {
        byte[] bytes = HexFormat.of().parseHex(GOLDEN);
        assertThat(bytes).hasSize(Qcow2Header.V3_LENGTH);
        assertThat(Qcow2Header.decode(ByteBuffer.wrap(bytes))).isEqualTo(GOLDEN_HEADER);
        assertThat(GOLDEN_HEADER.encode().array()).isEqualTo(bytes);
    }

    @Example
    void aVersion2HeaderReadsAsTheSpecSays() throws Exception {
        Qcow2Header v2 = new Qcow2Header(2, 0, 0, 16, 1L << 30, 0, 2, 0x30000, 0x10000, 1, 0, 0, 0, 0, 0, 4, 72, 0);
        ByteBuffer bytes = v2.encode();
        assertThat(bytes.capacity()).isEqualTo(Qcow2Header.V2_LENGTH);
        assertThat(Qcow2Header.decode(bytes)).isEqualTo(v2);
    }

    @Property
    void decodeOfEncodeIsIdentity(@ForAll("headers") Qcow2Header header) throws Exception {
        assertThat(Qcow2Header.decode(header.encode())).isEqualTo(header);
    }

    /** The file is host input: any bytes decode or are refused with a reason, never an unchecked exception. */
    @Property
    void arbitraryBytesDecodeOrAreMalformed(@ForAll @Size(max = 120) byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try {
            Qcow2Header h = Qcow2Header.decode(b);
            assertThat(h.clusterBits()).isBetween(Qcow2Header.MIN_CLUSTER_BITS, Qcow2Header.MAX_CLUSTER_BITS);
            assertThat(h.version()).isIn(2, 3);
        } catch (Qcow2Header.Malformed e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    /** Arbitrary bytes behind a valid magic and version: the checks, not the magic, do the refusing. */
    @Property
    void arbitraryFieldsBehindTheMagicDecodeOrAreMalformed(@ForAll @Size(min = 112, max = 112) byte[] bytes,
            @ForAll boolean v3) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.putInt(Qcow2Header.MAGIC_OFFSET, Qcow2Header.QCOW_MAGIC).putInt(Qcow2Header.VERSION_OFFSET, v3 ? 3 : 2);
        try {
            Qcow2Header.decode(b);
        } catch (Qcow2Header.Malformed e) {
            assertThat(e.getMessage()).containsAnyOf("cluster_bits", "refcount_order", "header_length");
        }
    }

    @Example
    void aBadMagicIsRefused() {
        assertThatThrownBy(() -> Qcow2Header.decode(ByteBuffer.allocate(112))).isInstanceOf(Qcow2Header.Malformed.class)
                .hasMessageContaining("magic");
    }

    @Provide
    Arbitrary<Qcow2Header> headers() {
        Arbitrary<Integer> clusterBits = Arbitraries.integers().between(9, 21);
        Arbitrary<Long> offsets = Arbitraries.longs().between(0, 1L << 50).map(o -> o & ~511L);
        Arbitrary<Integer> counts = Arbitraries.integers().between(0, Integer.MAX_VALUE);
        Arbitrary<Long> features = Arbitraries.longs();
        Arbitrary<Boolean> v3 = Arbitraries.of(true, false);
        return Combinators.combine(v3, clusterBits, offsets, offsets, counts, features, Arbitraries.integers().between(0, 6),
                Arbitraries.integers().between(0, 255)).as((three, bits, a, b, n, f, order, compression) -> three
                ? new Qcow2Header(3, a, n, bits, b, n & 3, n, b, a, n, n >>> 1, a, f, ~f, f >>> 3, order, 112, compression)
                : new Qcow2Header(2, a, n, bits, b, n & 3, n, b, a, n, n >>> 1, a, 0, 0, 0, 4, 72, 0));
    }
}
