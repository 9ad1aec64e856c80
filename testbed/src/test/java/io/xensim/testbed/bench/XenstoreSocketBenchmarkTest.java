package io.xensim.testbed.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.store.wire.XsType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The benchmark's states and methods, run once each outside JMH: the measured work is correct. */
@Timeout(60)
class XenstoreSocketBenchmarkTest {
    @Test
    void everyBenchmarkMethodRoundTripsABatch() throws Exception {
        var servers = new XenstoreSocketBenchmark.Servers();
        servers.start();
        var bench = new XenstoreSocketBenchmark();
        var xs = new XenstoreSocketBenchmark.XenstoredClient();
        var echo = new XenstoreSocketBenchmark.EchoClient();
        var local = new XenstoreSocketBenchmark.InProcessClient();
        try {
            xs.open(servers);
            echo.open(servers);
            local.open(servers);
            for (int i = 0; i < 3; i++) {
                assertThat(bench.socketRead(xs)).isEqualTo(XsType.XS_READ.code());
                assertThat(bench.socketWrite(xs)).isEqualTo(XsType.XS_WRITE.code());
                assertThat(bench.echoBaseline(echo)).isEqualTo(XsType.XS_READ.code());
                assertThat(bench.inProcessRead(local)).isEqualTo(XsType.XS_READ.code());
                assertThat(bench.inProcessWrite(local)).isEqualTo(XsType.XS_WRITE.code());
            }
            assertThat(servers.xenstoredServer.openConnections()).isEqualTo(1);
        } finally {
            xs.close();
            echo.close();
            local.close();
            servers.stop();
        }
        assertThat(servers.xenstoredSocket).doesNotExist();
    }
}
