package io.xensim.hvm.rtl8139;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import java.lang.foreign.ValueLayout;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The driver against a device (or a peer scribbling on the ring) it cannot trust: frames arrive while random words
 * of the receive ring are overwritten between the card's write and the driver's poll. The guest never throws,
 * never livelocks (the hypervisor goes idle within a bounded number of tasks), and hands up only frames whose length
 * a real header could carry.
 */
class Rtl8139HostileRingProperties {
    static final MacAddress MAC = MacAddress.of("00:16:3e:0a:00:01");
    static final MacAddress HOST = MacAddress.of("00:16:3e:00:00:01");

    record Step(int frameLength, int ringOffset, int word) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Combinators.combine(Arbitraries.integers().between(14, 1600),
                Arbitraries.integers().between(0, 32 * 1024 - 4), Arbitraries.oneOf(Arbitraries.integers(),
                        Arbitraries.of(0, 0xfff0_0001, 0x0008_0001, 0x0710_0001, 0xffff_ffff)))
                .as(Step::new).list().ofMinSize(1).ofMaxSize(25);
    }

    @Property(tries = 60)
    void aScribbledRingNeverBreaksTheGuest(@ForAll("steps") List<Step> steps) {
        try (var net = new RtlNet()) {
            var a = net.guest(5, MAC);
            var host = net.rawPort("eth0");
            Rtl8139 card = a.nic().card();
            long ring = Integer.toUnsignedLong(card.in(Rtl8139Regs.RX_BUF, 4));
            for (Step step : steps) {
                long before = card.counters().rxFrames() + card.counters().rxOverflows();
                net.onDom0(() -> net.bridge.receive(host,
                        Frame.copyOf(Rtl8139NetTest.frameFrom(HOST, MAC, step.frameLength(), step.word())), 0));
                net.hv.runUntil(() -> card.counters().rxFrames() + card.counters().rxOverflows() > before, 1000);
                a.domain().memory().segment().set(ValueLayout.JAVA_INT_UNALIGNED, ring + step.ringOffset(),
                        step.word());
                assertThat(net.hv.runUntil(() -> !net.hv.hasPendingWork(), 100_000)).as("went idle").isTrue();
            }
            assertThat(a.received()).allSatisfy(f -> assertThat(f.length).isBetween(4, 1792));
        }
    }
}
