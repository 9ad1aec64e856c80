package io.xensim.xenbus.store.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.store.ManualExecutor;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class XsConnectionTest {
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void requestsFromManyThreadsAreAnsweredInOrderPerConnection() throws Exception {
        ExecutorService store = Executors.newSingleThreadExecutor();
        int connections = 4;
        int requests = 500;
        try {
            var xs = new Xenstored(store);
            var done = new CountDownLatch(connections);
            List<List<XsMessage>> replies = new ArrayList<>();
            List<XsConnection> conns = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                List<XsMessage> got = new ArrayList<>();   // written on the store thread only
                replies.add(got);
                conns.add(xs.connect(ConnectionInfo.dom0("t" + c), new XsSink() {
                    @Override
                    public void send(XsMessage message) {
                        got.add(message);
                        if (got.size() == requests) {
                            done.countDown();
                        }
                    }

                    @Override
                    public void close(String reason) {
                    }
                }));
            }
            List<Thread> senders = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                XsConnection conn = conns.get(c);
                String path = "/c" + c;
                senders.add(Thread.ofPlatform().start(() -> {
                    for (int i = 1; i <= requests; i++) {
                        conn.receive(XsMessage.of(XsType.XS_WRITE, i, 0, path, Integer.toString(i)));
                    }
                }));
            }
            for (Thread t : senders) {
                t.join();
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            var stats = xs.stats().get(10, TimeUnit.SECONDS);
            for (List<XsMessage> got : replies) {
                assertThat(got).extracting(XsMessage::reqId)
                        .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, requests).boxed().toList());
                assertThat(got).allMatch(m -> m.is(XsType.XS_WRITE));
            }
            assertThat(stats.connections()).isEqualTo(connections);
            assertThat(xs.internalErrors()).isZero();
        } finally {
            store.shutdownNow();
        }
    }

    @Test
    void closeBeforeRegistrationLeavesNothingBehind() {
        var executor = new ManualExecutor();
        var xs = new Xenstored(executor);
        var peer = new Peer(executor);
        XsConnection conn = xs.connect(ConnectionInfo.domain(4, "brief"), peer);
        conn.receive(XsMessage.of(XsType.XS_WATCH, 1, 0, "/x", "t"));
        conn.close();
        conn.receive(XsMessage.of(XsType.XS_WATCH, 2, 0, "/y", "t"));
        executor.runAll();
        assertThat(peer.received).isEmpty();
        assertThat(peer.closedReason).isNull();
        var stats = xs.stats();
        executor.runAll();
        assertThat(stats.join()).isEqualTo(new XenstoredStats(0, 0, 0, 3));
    }
}
