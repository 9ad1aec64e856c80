package io.xensim.hvm.rtl8139;

import static io.xensim.hvm.rtl8139.Rtl8139Regs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.frame.MacAddress;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class Rtl8139RegistersTest {
    final CardBench bench = new CardBench();
    final Rtl8139 card = bench.card;

    @AfterEach
    void close() {
        bench.close();
    }

    @Test
    void powerOnValuesAreQemusResetState() {
        assertThat(card.in(CHIP_CMD, 1)).as("RST until the first CR write, ring empty").isEqualTo(CMD_RESET | RX_BUF_EMPTY);
        for (int i = 0; i < NUM_TX_DESC; i++) {
            assertThat(card.in(TX_STATUS0 + 4 * i, 4)).isEqualTo(TX_HOST_OWNS);
            assertThat(card.in(TX_ADDR0 + 4 * i, 4)).isZero();
        }
        assertThat(card.in(TX_CONFIG, 4)).isEqualTo(0x7480_0000);
        assertThat(card.in(RX_CONFIG, 4)).isZero();
        assertThat(card.in(INTR_MASK, 2)).isZero();
        assertThat(card.in(INTR_STATUS, 2)).isZero();
        assertThat(card.in(RX_BUF_PTR, 2)).as("CAPR reads 16 below the read position").isEqualTo(0xfff0);
        assertThat(card.in(RX_BUF_ADDR, 2)).isZero();
        assertThat(card.in(CONFIG1, 1)).isEqualTo(0x0c);
        assertThat(card.irq().level()).isFalse();
    }

    @Test
    void resetCompletesAtOnceAndRestoresTheRomMac() {
        card.out(MAC0, 4, 0x44332211);
        card.out(MAC0 + 4, 2, 0x6655);
        assertThat(card.mac()).isEqualTo(MacAddress.of("11:22:33:44:55:66"));
        card.out(CHIP_CMD, 1, CMD_RESET);
        assertThat(card.in(CHIP_CMD, 1) & CMD_RESET).isZero();
        assertThat(card.mac()).isEqualTo(CardBench.MAC);
        assertThat(card.in(MAC0, 4)).isEqualTo(0x123e1600);
        assertThat(card.in(MAC0 + 4, 2)).isEqualTo(0x5634);
    }

    @Test
    void crKeepsOnlyTheEnableBitsAndBufeIsReadOnly() {
        card.out(CHIP_CMD, 1, 0xff & ~CMD_RESET);
        assertThat(card.in(CHIP_CMD, 1)).isEqualTo(CMD_RX_ENB | CMD_TX_ENB | RX_BUF_EMPTY);
        card.out(CHIP_CMD, 1, 0);
        assertThat(card.in(CHIP_CMD, 1)).isEqualTo(RX_BUF_EMPTY);
    }

    @Test
    void isrBitsClearOnlyWhereOnesAreWritten() {
        bench.started(ACCEPT_BROADCAST);
        card.out(TX_ADDR0, 4, 0x1000);
        card.out(TX_STATUS0, 4, 60);
        card.receive(CardBench.frame(MacAddress.BROADCAST, 60, 1));
        assertThat(card.in(INTR_STATUS, 2)).isEqualTo(TX_OK | RX_OK);
        card.out(INTR_STATUS, 2, TX_OK);
        assertThat(card.in(INTR_STATUS, 2)).isEqualTo(RX_OK);
        card.out(INTR_STATUS, 1, 0);
        assertThat(card.in(INTR_STATUS, 2)).as("writing zeros clears nothing").isEqualTo(RX_OK);
        card.out(INTR_STATUS, 2, 0xffff);
        assertThat(card.in(INTR_STATUS, 2)).isZero();
    }

    @Test
    void theLineRisesOnlyForUnmaskedBitsAndEachRiseIsOneInjection() {
        bench.started(ACCEPT_BROADCAST);
        card.receive(CardBench.frame(MacAddress.BROADCAST, 60, 1));
        assertThat(card.irq().injections()).as("IMR is 0").isZero();
        card.out(INTR_MASK, 2, RX_OK);
        assertThat(card.irq().level()).isTrue();
        assertThat(card.irq().injections()).isEqualTo(1);
        card.receive(CardBench.frame(MacAddress.BROADCAST, 60, 2));
        assertThat(card.irq().injections()).as("still high: no new edge").isEqualTo(1);
        card.out(INTR_STATUS, 2, TX_OK);
        assertThat(card.irq().injections()).as("acking another bit pulses the line while RxOK stays").isEqualTo(2);
        card.out(INTR_STATUS, 2, RX_OK);
        assertThat(card.irq().level()).isFalse();
        assertThat(bench.isrRuns).isEqualTo(2);
    }

    @Test
    void transmitReadsTheDescriptorBufferAndSetsOwnAndTok() {
        bench.started(0);
        byte[] payload = CardBench.frame(MacAddress.BROADCAST, 100, 7);
        bench.memory.segment().asSlice(0x1000, 100).copyFrom(java.lang.foreign.MemorySegment.ofArray(payload));
        card.out(TX_ADDR0, 4, 0x1000);
        card.out(TX_STATUS0, 4, 100);
        assertThat(bench.wire).hasSize(1);
        assertThat(bench.wire.get(0)).isEqualTo(payload);
        assertThat(card.in(TX_STATUS0, 4)).isEqualTo(TX_STAT_OK | TX_HOST_OWNS | 100);
        assertThat(card.in(INTR_STATUS, 2)).isEqualTo(TX_OK);
    }

    @Test
    void descriptorsAreServedRoundRobinOnly() {
        bench.started(0);
        card.out(TX_ADDR0 + 4, 4, 0x1000);
        card.out(TX_STATUS0 + 4, 4, 60);
        assertThat(bench.wire).as("the chip waits on TSD0 first").isEmpty();
        card.out(TX_STATUS0, 4, 60);
        card.out(TX_STATUS0 + 4, 4, 60);
        assertThat(bench.wire).hasSize(2);
        assertThat(card.in(TX_STATUS0 + 4, 4) & TX_STAT_OK).isNotZero();
    }

    @Test
    void aBufferOutsideGuestMemoryAbortsTheDescriptor() {
        bench.started(0);
        card.out(TX_ADDR0, 4, (int) (bench.memory.segment().byteSize() - 10));
        card.out(TX_STATUS0, 4, 0x1fff);
        assertThat(bench.wire).isEmpty();
        assertThat(card.in(TX_STATUS0, 4)).isEqualTo(TX_HOST_OWNS | TX_ABORTED | 0x1fff);
        assertThat(card.in(INTR_STATUS, 2)).isEqualTo(TX_ERR);
        assertThat(card.counters().txAborted()).isEqualTo(1);
    }

    @Test
    void withTheTransmitterOffNothingLeaves() {
        bench.started(0);
        card.out(CHIP_CMD, 1, CMD_RX_ENB);
        card.out(TX_STATUS0, 4, 60);
        assertThat(bench.wire).isEmpty();
        assertThat(card.in(TX_STATUS0, 4) & TX_HOST_OWNS).isZero();
    }

    @Test
    void loopbackModeReceivesWhatItSends() {
        bench.started(ACCEPT_BROADCAST);
        card.out(TX_CONFIG, 4, TX_LOOP_BACK);
        card.out(TX_ADDR0, 4, 0x1000);
        bench.memory.segment().asSlice(0x1000, 6).fill((byte) 0xff);
        card.out(TX_STATUS0, 4, 64);
        assertThat(bench.wire).isEmpty();
        assertThat(card.counters().rxFrames()).isEqualTo(1);
    }

    @Test
    void rcrFiltersByAddressClass() {
        byte[] bcast = CardBench.frame(MacAddress.BROADCAST, 60, 0);
        byte[] mine = CardBench.frame(CardBench.MAC, 60, 0);
        byte[] other = CardBench.frame(MacAddress.of("00:16:3e:00:00:99"), 60, 0);
        MacAddress group = MacAddress.of("01:00:5e:00:00:01");
        byte[] mcast = CardBench.frame(group, 60, 0);

        bench.started(ACCEPT_MY_PHYS);
        assertThat(card.receive(bcast)).isEqualTo(Rtl8139.RxOutcome.FILTERED);
        assertThat(card.receive(mine)).isEqualTo(Rtl8139.RxOutcome.ACCEPTED);
        assertThat(card.receive(other)).isEqualTo(Rtl8139.RxOutcome.FILTERED);

        bench.started(ACCEPT_BROADCAST);
        assertThat(card.receive(bcast)).isEqualTo(Rtl8139.RxOutcome.ACCEPTED);
        assertThat(card.receive(mine)).isEqualTo(Rtl8139.RxOutcome.FILTERED);

        bench.started(ACCEPT_MULTICAST);
        assertThat(card.receive(mcast)).as("hash bit clear").isEqualTo(Rtl8139.RxOutcome.FILTERED);
        int bit = Rtl8139RxFilter.mcastIndex(Arrays.copyOf(mcast, 6));
        card.out(MAR0 + (bit >>> 3), 1, 1 << (bit & 7));
        assertThat(card.receive(mcast)).isEqualTo(Rtl8139.RxOutcome.ACCEPTED);

        bench.started(ACCEPT_ALL_PHYS);
        assertThat(card.receive(other)).isEqualTo(Rtl8139.RxOutcome.ACCEPTED);

        card.out(CHIP_CMD, 1, CMD_TX_ENB);
        assertThat(card.receive(mine)).isEqualTo(Rtl8139.RxOutcome.RECEIVER_OFF);
    }

    @Test
    void aReceivedFrameHasAHeaderTheBytesAndTheCrcAndCbrMovesAligned() {
        bench.started(ACCEPT_BROADCAST);
        byte[] f = CardBench.frame(MacAddress.BROADCAST, 61, 3);
        card.receive(f);
        int header = bench.ramLe32(CardBench.RING);
        assertThat(header & 0xffff).isEqualTo(RX_STATUS_OK | RX_BROADCAST);
        assertThat(header >>> 16).as("length includes the CRC").isEqualTo(65);
        assertThat(bench.ram(CardBench.RING + 4, 61)).isEqualTo(f);
        assertThat(bench.ramLe32(CardBench.RING + 4 + 61)).isEqualTo(Rtl8139RxFilter.crc32(f));
        assertThat(card.in(RX_BUF_ADDR, 2)).isEqualTo(rxAlign(4 + 61 + 4)).isEqualTo(72);
        assertThat(card.in(CHIP_CMD, 1) & RX_BUF_EMPTY).isZero();
        card.out(RX_BUF_PTR, 2, 72 - 16);
        assertThat(card.in(CHIP_CMD, 1) & RX_BUF_EMPTY).isEqualTo(RX_BUF_EMPTY);
        assertThat(card.in(RX_BUF_PTR, 2)).isEqualTo(72 - 16);
    }

    @Test
    void withoutWrapAFrameAtTheRingsEndContinuesAtItsStart() {
        bench.started(ACCEPT_BROADCAST);   // 8 KiB ring, Wrap clear
        byte[] f = CardBench.frame(MacAddress.BROADCAST, 1000, 5);
        for (int i = 0; i < 8; i++) {   // 8 x 1008 bytes: the 9th frame straddles 8192
            card.receive(f);
            card.out(RX_BUF_PTR, 2, card.in(RX_BUF_ADDR, 2) - 16);
        }
        int start = card.in(RX_BUF_ADDR, 2);
        assertThat(start).isEqualTo(8 * 1008);
        assertThat(card.receive(f)).isEqualTo(Rtl8139.RxOutcome.ACCEPTED);
        int end = (start + 1008) % 8192;
        assertThat(card.in(RX_BUF_ADDR, 2)).isEqualTo(end);
        byte[] stored = new byte[1000];
        byte[] ring = bench.ram(CardBench.RING, 8192);
        for (int i = 0; i < 1000; i++) {
            stored[i] = ring[(start + 4 + i) % 8192];
        }
        assertThat(stored).isEqualTo(f);
        assertThat(bench.ram(CardBench.RING + 8192, 16)).as("nothing past the end").containsOnly(0);
    }

    @Test
    void withWrapTheChipRunsPastTheEnd() {
        bench.started(ACCEPT_BROADCAST | RX_CFG_WRAP);
        byte[] f = CardBench.frame(MacAddress.BROADCAST, 1000, 5);
        for (int i = 0; i < 8; i++) {
            card.receive(f);
            card.out(RX_BUF_PTR, 2, card.in(RX_BUF_ADDR, 2) - 16);
        }
        card.receive(f);
        assertThat(bench.ram(CardBench.RING + 8 * 1008 + 4, 1000)).isEqualTo(f);
        assertThat(card.in(RX_BUF_ADDR, 2)).isEqualTo((9 * 1008) % 8192);
    }

    @Test
    void aFullRingDropsCountsMpcAndRaisesRxOverflow() {
        bench.started(ACCEPT_BROADCAST);
        byte[] f = CardBench.frame(MacAddress.BROADCAST, 1500, 1);
        int accepted = 0;
        for (int i = 0; i < 10; i++) {
            if (card.receive(f) == Rtl8139.RxOutcome.ACCEPTED) {
                accepted++;
            }
        }
        assertThat(accepted).as("8192 / 1508").isEqualTo(5);
        assertThat(card.in(RX_MISSED, 4)).isEqualTo(5);
        assertThat(card.counters().rxOverflows()).isEqualTo(5);
        assertThat(card.in(INTR_STATUS, 2) & RX_OVERFLOW).isNotZero();
        card.out(RX_MISSED, 4, 0x1234);
        assertThat(card.in(RX_MISSED, 4)).as("any write clears MPC").isZero();
    }

    @Test
    void aFrameLongerThanTheRingIsRefusedEvenWhenItIsEmpty() {
        bench.started(ACCEPT_BROADCAST);
        assertThat(card.receive(CardBench.frame(MacAddress.BROADCAST, 9000, 1))).isEqualTo(Rtl8139.RxOutcome.OVERFLOW);
        assertThat(card.in(RX_BUF_ADDR, 2)).isZero();
    }

    @Test
    void rcrSelectsTheRingLengthAndRestartsIt() {
        bench.started(ACCEPT_BROADCAST);
        card.receive(CardBench.frame(MacAddress.BROADCAST, 60, 1));
        card.out(RX_CONFIG, 4, ACCEPT_BROADCAST | (2 << RX_CFG_RBLEN_SHIFT));
        assertThat(card.in(RX_BUF_ADDR, 2)).isZero();
        assertThat(rxBufferSize(card.in(RX_CONFIG, 4))).isEqualTo(32768);
    }

    @Test
    void aRingAtTheEndOfMemoryLosesOnlyTheBytesPastIt() {
        bench.started(ACCEPT_BROADCAST);
        long size = bench.memory.segment().byteSize();
        card.out(RX_BUF, 4, (int) (size - 32));
        assertThat(card.receive(CardBench.frame(MacAddress.BROADCAST, 200, 1))).isEqualTo(Rtl8139.RxOutcome.ACCEPTED);
        assertThat(bench.ramLe32(size - 32) >>> 16).isEqualTo(204);
    }

    @Test
    void narrowAndMisalignedAccessesGoByteByByte() {
        bench.started(ACCEPT_BROADCAST);
        card.out(TX_ADDR0 + 1, 1, 0x12);
        assertThat(card.in(TX_ADDR0, 4)).isEqualTo(0x1200);
        assertThat(card.in(INTR_MASK, 4)).as("IMR and ISR read as one dword").isZero();
        card.out(INTR_MASK, 1, 0x05);
        assertThat(card.in(INTR_MASK, 2)).isEqualTo(0x05);
        assertThat(card.in(0xff, 1)).as("reserved").isZero();
    }
}
