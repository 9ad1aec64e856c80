package io.xensim.blk.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOver;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.Size;

/**
 * The dispatching decoder over random slots: any 112 bytes decode to Ok or Malformed (never an exception), Ok
 * exactly when a model of the rules says so, and the id/operation/rejection status stay readable.
 */
class BlkifRingRequestProperties {
    /**
     * Random slots, patched so that every outcome is reached often: the opcode is mostly 0..7 (sometimes any byte),
     * nr_segments mostly near its bounds, and sector numbers mostly small.
     */
    @Provide
    Arbitrary<byte[]> slots() {
        var bytes = Arbitraries.bytes().array(byte[].class).ofSize(BlkifRing.ENTRY_LENGTH);
        var op = Arbitraries.frequencyOf(
                Tuple.of(9, Arbitraries.integers().between(0, 7)),
                Tuple.of(1, Arbitraries.integers().between(0, 0xff)));
        var nr = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.integers().between(0, 13)),
                Tuple.of(2, Arbitraries.integers().between(0, 0xff)));
        var nr16 = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.integers().between(0, 4100)),
                Tuple.of(2, Arbitraries.integers().between(0, 0xffff)));
        var sect = Arbitraries.integers().between(0, 9).array(int[].class).ofSize(2 * 11);
        return Combinators.combine(bytes, op, nr, nr16, sect, Arbitraries.integers().between(0, 3))
                .as((slot, o, n, n16, sects, indirectOp) -> {
                    slot[BlkifRingRequest.OPERATION_OFFSET] = (byte) (int) o;
                    if (o == BlkifOp.BLKIF_OP_INDIRECT) {
                        slot[BlkifRequestIndirect.INDIRECT_OP_OFFSET] = (byte) (int) indirectOp;
                        segment(slot).set(Layouts.U16, BlkifRequestIndirect.NR_SEGMENTS_OFFSET, (short) (int) n16);
                    } else {
                        slot[BlkifRequest.NR_SEGMENTS_OFFSET] = (byte) (int) n;
                        for (int i = 0; i < 11; i++) {
                            slot[BlkifRequest.segOffset(i) + BlkifRequestSegment.FIRST_SECT_OFFSET] =
                                    (byte) Math.min(sects[2 * i], sects[2 * i + 1] + (i % 3 == 0 ? 2 : 0));
                            slot[BlkifRequest.segOffset(i) + BlkifRequestSegment.LAST_SECT_OFFSET] =
                                    (byte) sects[2 * i + 1];
                        }
                    }
                    return slot;
                });
    }

    /** The rules, restated independently of the codec. */
    private static boolean expectedOk(byte[] slot) {
        int op = slot[0] & 0xff;
        return switch (op) {
            case 0, 1 -> segmentsOk(slot, 1);
            case 2, 3 -> segmentsOk(slot, 0);
            case 5 -> true;
            case 6 -> {
                int indirectOp = slot[1] & 0xff;
                int nr = (slot[2] & 0xff) | (slot[3] & 0xff) << 8;
                yield (indirectOp == 0 || indirectOp == 1) && nr >= 1 && nr <= 4096;
            }
            default -> false;
        };
    }

    private static boolean segmentsOk(byte[] slot, int min) {
        int nr = slot[1] & 0xff;
        if (nr < min || nr > 11) {
            return false;
        }
        for (int i = 0; i < nr; i++) {
            int first = slot[24 + 8 * i + 4] & 0xff;
            int last = slot[24 + 8 * i + 5] & 0xff;
            if (first > last || last > 7) {
                return false;
            }
        }
        return true;
    }

    @Property(tries = 2000)
    void randomSlotsDecodeAsTheRulesSay(@ForAll("slots") byte[] slot) {
        var decoded = BlkifRingRequest.decode(segment(slot));
        Statistics.collect(BlkifOp.name(slot[0] & 0xff), decoded.isOk() ? "ok" : "malformed");
        assertThat(decoded.isOk()).as("decoded %s", decoded).isEqualTo(expectedOk(slot));
        long id = segment(slot).get(Layouts.U64, 8);
        assertThat(BlkifRingRequest.id(segment(slot))).isEqualTo(id);
        assertThat(BlkifRingRequest.operation(segment(slot))).isEqualTo(slot[0] & 0xff);
        switch (decoded) {
            case Decoded.Ok<BlkifRingRequest>(var request) -> {
                assertThat(request.id()).isEqualTo(id);
                assertThat(request.operation()).isEqualTo(slot[0] & 0xff);
                // What decode kept is all that matters: encoding it and decoding again gives the same value.
                byte[] again = encodeOver(new byte[BlkifRing.ENTRY_LENGTH], request::encode);
                assertThat(BlkifRingRequest.decode(segment(again))).isEqualTo(decoded);
            }
            case Decoded.Malformed<BlkifRingRequest>(var reason) -> {
                int op = slot[0] & 0xff;
                assertThat(BlkifRingRequest.rejectionStatus(segment(slot))).isEqualTo(
                        op == 4 || op > 6 ? BlkifStatus.BLKIF_RSP_EOPNOTSUPP : BlkifStatus.BLKIF_RSP_ERROR);
                assertThat(reason).isNotBlank();
            }
        }
    }

    @Property
    void fullyArbitrarySlotsNeverThrow(@ForAll @Size(BlkifRing.ENTRY_LENGTH) byte[] slot) {
        assertThat(BlkifRingRequest.decode(segment(slot)).isOk()).isEqualTo(expectedOk(slot));
    }
}
