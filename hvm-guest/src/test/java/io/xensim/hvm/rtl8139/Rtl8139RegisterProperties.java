package io.xensim.hvm.rtl8139;

import static io.xensim.hvm.rtl8139.Rtl8139Regs.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A guest writing and reading arbitrary values at arbitrary offsets and widths of the card's window, with frames
 * arriving in between: the model never throws, never loops (each run is bounded in time), keeps its pointers
 * inside the ring, and writes guest memory only inside RAM.
 */
class Rtl8139RegisterProperties {
    /** One step of the hostile guest or of the network. */
    record Op(int kind, int offset, int size, int value, int frameLength) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Integer> offsets = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 0xff)),
                net.jqwik.api.Tuple.of(5, Arbitraries.of(TX_STATUS0, TX_STATUS0 + 4, TX_STATUS0 + 8, TX_STATUS0 + 12,
                        TX_ADDR0, TX_ADDR0 + 4, RX_BUF, CHIP_CMD, RX_BUF_PTR, RX_BUF_ADDR, INTR_MASK, INTR_STATUS,
                        TX_CONFIG, RX_CONFIG, RX_MISSED, CFG9346, MAR0)));
        Arbitrary<Integer> values = Arbitraries.oneOf(Arbitraries.integers(),
                Arbitraries.of(0, -1, 0x1fff, 0x2000, 0x7ff0, 0xfff0, CMD_RX_ENB | CMD_TX_ENB, CMD_RESET,
                        (int) (CardBench.RING), 0xfffc, 0x1_0000 - 16, 0x1_0000 - 1500, 0x40, 0x80ff));
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 2), offsets,
                Arbitraries.of(1, 2, 4), values, Arbitraries.integers().between(0, 9100))
                .as(Op::new);
        return op.list().ofMaxSize(60);
    }

    @Property(tries = 300)
    void arbitraryRegisterTrafficNeverThrowsNorHangs(@ForAll("ops") List<Op> ops) {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (var bench = new CardBench()) {   // 64 KiB of RAM: most addresses a fuzzer picks are outside
                Rtl8139 card = bench.card;
                for (Op op : ops) {
                    int offset = Math.min(op.offset(), RTL8139_REGS_SIZE - op.size());
                    switch (op.kind()) {
                        case 0 -> card.out(offset, op.size(), op.value() & mask(op.size()));
                        case 1 -> assertThat(Integer.toUnsignedLong(card.in(offset, op.size())))
                                .isLessThanOrEqualTo(Integer.toUnsignedLong(mask(op.size())));
                        default -> card.receive(CardBench.frame(io.xensim.net.frame.MacAddress.BROADCAST,
                                Math.max(op.frameLength(), 14), op.value()));
                    }
                    int cbr = card.in(RX_BUF_ADDR, 2);
                    assertThat(cbr).isLessThan(rxBufferSize(card.in(RX_CONFIG, 4)));
                }
                assertThat(bench.wire).allSatisfy(f -> assertThat(f.length).isLessThanOrEqualTo(TX_SIZE_MASK));
            }
        });
    }

    private static int mask(int size) {
        return size == 4 ? -1 : (1 << (8 * size)) - 1;
    }
}
