package io.xensim.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.NetPairFrames.Kind;
import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.bridge.Bridges;
import io.xensim.net.frame.Frame;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.front.NetfrontDevice;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.net.guest.GuestNetInterface.LinkState;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/**
 * The real pair in DEDICATED mode: dom0 and each guest on a thread of its own, so the rings' index orderings and
 * the event hand-offs run truly concurrently. Traffic both ways at once, compared by content and order; then a
 * teardown while both guests are still sending, which must end with no error in any domain's work and nothing
 * left (grants, mappings, ports, watches).
 */
@Timeout(60)
class NetPairDedicatedTest {
    private static final int ROUNDS = 8;
    private static final int PER_ROUND = 24;

    @RepeatedTest(3)
    void trafficBothWaysOnThreadsOfTheirOwnThenATeardownUnderTrafficLeavesNothing() throws Exception {
        var connected = new CountDownLatch(4);
        try (var hv = Hypervisor.builder().threadingMode(ThreadingMode.DEDICATED).tracer(e -> {
            if (e.kind() == TraceEvent.Kind.STATE && e.detail().contains("-> Connected")) {
                connected.countDown();
            }
        }).build(); var netback = new Netback(new Bridges(), NetbackConfig.defaults())) {
            var toolstack = Toolstack.start(hv);
            toolstack.await(netback.install(toolstack));
            var g1 = guest(toolstack, 1);
            var g2 = guest(toolstack, 2);
            assertThat(connected.await(30, TimeUnit.SECONDS)).as("both vifs Connected, both ends").isTrue();
            // netfront is Connected before netback; its link comes up once it has seen netback's Connected.
            assertThat(until(() -> linkUp(g1) && linkUp(g2))).as("both links up").isTrue();
            var received1 = new ConcurrentLinkedQueue<Frame>();
            var received2 = new ConcurrentLinkedQueue<Frame>();
            on(g1, () -> {
                front(g1).setReceiver(received1::add);
                return null;
            });
            on(g2, () -> {
                front(g2).setReceiver(received2::add);
                return null;
            });

            // Rounds of frames of every size, both guests sending at once; each round waits for its frames.
            List<Frame> sent1 = new ArrayList<>();
            List<Frame> sent2 = new ArrayList<>();
            long seed = 0;
            for (int round = 0; round < ROUNDS; round++) {
                List<Frame> from1 = new ArrayList<>();
                List<Frame> from2 = new ArrayList<>();
                for (int i = 0; i < PER_ROUND; i++) {
                    int length = switch (i % 4) {
                        case 0 -> 60;
                        case 1 -> 1514;
                        case 2 -> 9014;
                        default -> NetPairFrames.MAX_FRAME;
                    };
                    // Past the MTU only TCP (as GSO) goes; UDP up to a full Ethernet frame.
                    boolean udp = length <= 1514 && i % 2 == 1;
                    from1.add(NetPairFrames.frame(1, udp ? Kind.UDP4 : Kind.TCP4, Math.max(length, 66), true,
                            seed++));
                    from2.add(NetPairFrames.frame(2, udp ? Kind.UDP6 : Kind.TCP6, Math.max(length, 86), i % 3 == 0,
                            seed++));
                }
                sent1.addAll(from1);
                sent2.addAll(from2);
                var r1 = onAsync(g1, () -> sendAll(g1, from1));
                var r2 = onAsync(g2, () -> sendAll(g2, from2));
                assertThat(r1.get(30, TimeUnit.SECONDS)).isSubsetOf(SendResult.SENT, SendResult.QUEUED);
                assertThat(r2.get(30, TimeUnit.SECONDS)).isSubsetOf(SendResult.SENT, SendResult.QUEUED);
                int want1 = sent2.size();
                int want2 = sent1.size();
                assertThat(until(() -> received1.size() >= want1 && received2.size() >= want2))
                        .as("round %d delivered both ways", round).isTrue();
            }
            assertThat(bytes(received2)).containsExactlyElementsOf(bytes(sent1));
            assertThat(bytes(received1)).containsExactlyElementsOf(bytes(sent2));

            // Both guests keep sending, one frame per task, while the toolstack tears everything down.
            var stop = new AtomicBoolean();
            var sends = new AtomicLong();
            Frame f1 = NetPairFrames.frame(1, Kind.TCP4, 9014, true, 777);
            Frame f2 = NetPairFrames.frame(2, Kind.UDP6, 1514, false, 778);
            g1.domain().executor().execute(new Sender(g1, f1, stop, sends));
            g2.domain().executor().execute(new Sender(g2, f2, stop, sends));
            long before = sends.get();
            assertThat(until(() -> sends.get() > before + 200)).as("the senders run").isTrue();
            toolstack.close();
            netback.close();
            stop.set(true);
            assertThat(hv.uncaughtErrors()).as("no domain's work failed during the teardown").isEmpty();
            assertThat(until(() -> hv.leftovers().isEmpty())).as("left: %s", hv.leftovers()).isTrue();
        }
    }

    /** A guest sending {@code frame} again and again, one send per task, until stopped or its domain is gone. */
    private record Sender(ManagedDomain guest, Frame frame, AtomicBoolean stop, AtomicLong sends) implements Runnable {
        @Override
        public void run() {
            var device = guest.frontends().device("vif", guest.domid(), 0);
            if (device.isPresent() && device.get().handler() instanceof NetfrontDevice front) {
                front.send(frame);
            }
            sends.incrementAndGet();
            if (!stop.get() && sends.get() < 1_000_000) {
                guest.domain().executor().execute(this);
            }
        }
    }

    private static boolean linkUp(ManagedDomain g) {
        try {
            return on(g, () -> front(g).linkState() == LinkState.UP);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<SendResult> sendAll(ManagedDomain g, List<Frame> frames) {
        List<SendResult> results = new ArrayList<>();
        for (Frame f : frames) {
            results.add(front(g).send(f));
        }
        return results;
    }

    private static List<byte[]> bytes(java.util.Collection<Frame> frames) {
        return frames.stream().map(Frame::toByteArray).toList();
    }

    /** Polls {@code condition} until it holds, for at most 30 s. */
    private static boolean until(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200)); // a bounded poll
        }
        return true;
    }

    private static ManagedDomain guest(Toolstack toolstack, int domid) {
        var g = toolstack.await(toolstack.createDomain(DomainConfig.of(domid, "guest" + domid, 16)));
        toolstack.await(g.frontends().register(NetfrontDrivers.frontend(NetfrontConfig.DEFAULT)));
        toolstack.await(toolstack.addDevice(DeviceConfig.vif(domid, 0, 0, NetPair.macString(domid), "xenbr0",
                false, true, DeviceConfig.NIC_MTU_DEFAULT)));
        return g;
    }

    private static NetfrontDevice front(ManagedDomain g) {
        return (NetfrontDevice) g.frontends().device("vif", g.domid(), 0).orElseThrow().handler();
    }

    private static <T> CompletableFuture<T> onAsync(ManagedDomain d, Supplier<T> action) {
        var result = new CompletableFuture<T>();
        d.domain().executor().execute(() -> {
            try {
                result.complete(action.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    private static <T> T on(ManagedDomain d, Supplier<T> action) throws Exception {
        return onAsync(d, action).get(30, TimeUnit.SECONDS);
    }
}
