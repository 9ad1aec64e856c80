package io.xensim.blk.back;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.protocol.BlkFeatures;
import io.xensim.xenbus.bus.BackendDevice;
import io.xensim.xenbus.toolstack.DiskConfig;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Blkback's xenbus side against a scripted frontend: the two orders of hotplug and rings, the connect-time
 * {@code xenbus_dev_fatal} cases, close, reconnect, unplug and a backend restart.
 */
class BlkbackHandshakeTest {
    private static final String ERROR = "/local/domain/0/error/backend/vbd/1/51712/error";

    private static Optional<String> error(BlkbackFixture f) {
        return Optional.ofNullable(f.read(ERROR));
    }

    @Test
    void physicalDeviceBeforeRings() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            // The hotplug script ran at InitWait: the vbd is open before the frontend did anything.
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("2");
            assertThat(f.device(1).physicalDevice()).contains("7:0");
            assertThat(f.read(f.backend(1) + "/sectors")).isNull();
            front.connect(1, 0, true);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("4");
            assertThat(f.device(1).phase()).isEqualTo(BackendDevice.Phase.CONNECTED);
            assertThat(error(f)).isEmpty();
        }
    }

    @Test
    void physicalDeviceAfterRings() {
        try (var f = new BlkbackFixture(BlkbackConfig.defaults(), false)) {
            var front = f.guest(1);
            front.connect(2, 1, true);
            // Rings mapped and bound, but no vbd yet: still InitWait, nothing published, nothing served.
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("2");
            assertThat(f.device(1).phase()).isEqualTo(BackendDevice.Phase.CONNECTING);
            assertThat(f.device(1).rings()).hasSize(2)
                    .allSatisfy(r -> assertThat(r.phase()).isEqualTo(BlkbackRing.Phase.BOUND));
            assertThat(f.read(f.backend(1) + "/sectors")).isNull();
            f.attachByHand(1, null);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("4");
            assertThat(f.read(f.backend(1) + "/sectors")).isEqualTo(Long.toString(BlkbackFixture.SECTORS));
            assertThat(f.device(1).rings()).allSatisfy(r -> assertThat(r.phase()).isEqualTo(BlkbackRing.Phase.SERVING));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"zz", "7", ":0", "7:", "-7:0", "7:0:1", "123456789:0"})
    void malformedPhysicalDeviceIsFatal(String value) {
        try (var f = new BlkbackFixture(BlkbackConfig.defaults(), false)) {
            f.guest(1);
            f.fx.toolstack.await(f.fx.toolstack.xs().write(f.backend(1) + "/physical-device", value));
            f.fx.hv.runUntilIdle();
            assertThat(error(f).orElseThrow()).startsWith("22 reading physical-device");
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("5");
        }
    }

    @Test
    void physicalDeviceWithoutALoopDeviceIsFatal() {
        try (var f = new BlkbackFixture(BlkbackConfig.defaults(), false)) {
            f.guest(1);
            f.fx.toolstack.await(f.fx.toolstack.xs().write(f.backend(1) + "/physical-device", "7:5"));
            f.fx.hv.runUntilIdle();
            assertThat(error(f).orElseThrow()).isEqualTo("2 creating vbd structure: device 7:5 could not be opened");
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("5");
        }
    }

    @Test
    void changingThePhysicalDeviceIsIgnored() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            f.fx.toolstack.await(f.fx.toolstack.xs().write(f.backend(1) + "/physical-device", "7:9"));
            f.fx.hv.runUntilIdle();
            assertThat(f.device(1).physicalDevice()).contains("7:0");
            front.connect(1, 0, true);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("4");
        }
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "protocol, x86_32-abi, 38 unknown fe protocol x86_32-abi",
        "protocol, sparc-abi, 38 unknown fe protocol sparc-abi",
        "multi-queue-num-queues, 5, 38 guest requested 5 queues, exceeding the maximum of 4",
        "multi-queue-num-queues, 0, 38 guest requested 0 queues, exceeding the maximum of 4",
        "ring-page-order, 5, 22 requested ring page order 5 exceeds max-ring-page-order 4"})
    void badFrontendKeysAreFatal(String key, String value, String message) {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            Map<String, String> keys = front.setUp(1, 0, true);
            keys.put(key, value);
            front.publish(keys);
            assertThat(error(f).orElseThrow()).contains(message.substring(message.indexOf(' ') + 1))
                    .startsWith(message.substring(0, message.indexOf(' ') + 1));
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("5");
            assertThat(f.device(1).rings()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring-ref", "event-channel"})
    void missingRingKeysAreFatal(String key) {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            Map<String, String> keys = front.setUp(1, 0, true);
            keys.remove(key);
            front.publish(keys);
            assertThat(error(f).orElseThrow()).startsWith("2 ").contains("/local/domain/1/device/vbd/51712/" + key);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("5");
        }
    }

    @Test
    void missingRingRefOfAMultiPageRingIsFatal() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            Map<String, String> keys = front.setUp(2, 2, true);
            keys.remove("queue-1/" + BlkFeatures.ringRef(3));
            front.publish(keys);
            assertThat(error(f).orElseThrow()).contains("queue-1/ring-ref3");
        }
    }

    @Test
    void ringRefThatDoesNotMapIsFatal() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            Map<String, String> keys = front.setUp(1, 0, true);
            keys.put(BlkFeatures.RING_REF, "4000");
            front.publish(keys);
            assertThat(error(f).orElseThrow()).startsWith("5 ").contains("refs [4000]");
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("5");
        }
    }

    @Test
    void frontendClosesThenReconnectsWithTheVbdStillOpen() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            front.connect(1, 0, true);
            var device = f.device(1);
            front.setState(5);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("5");
            assertThat(device.rings()).isEmpty();
            front.setState(6);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("6");
            front.setState(1);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("2");
            var again = new ScriptedBlkfront(f.fx, front.guest, front.devid);
            again.connect(4, 4, false);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("4");
            assertThat(device.rings()).hasSize(4);
            assertThat(device.physicalDevice()).contains("7:0");
            assertThat(device.connectionCount()).isEqualTo(2);
        }
    }

    @Test
    void toolstackUnplugClosesDetachesAndReleasesTheImage() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            front.connect(1, 0, true);
            var removal = f.fx.toolstack.removeDevice("vbd", 1, BlkbackFixture.XVDA);
            f.fx.hv.runUntilIdle();
            // online = 0, Closing: the frontend follows to Closed, then the backend is Closed and removed.
            assertThat(f.read(f.backend(1) + "/online")).isEqualTo("0");
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("5");
            front.setState(6);
            assertThat(f.fx.toolstack.await(removal)).isTrue();
            assertThat(f.read(f.backend(1))).isNull();
            assertThat(Blkback.device(f.fx.toolstack, 1, BlkbackFixture.XVDA)).isEmpty();
            assertThat(f.blkback.loops().attached()).isZero();
        }
    }

    @Test
    void backendRestartRunsTheScriptAgainOverTheSameDisk() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            front.connect(1, 0, true);
            var page = front.page(false, (byte) 0x42);
            front.submit(0, new io.xensim.blk.protocol.BlkifRequest(io.xensim.blk.protocol.BlkifOp.BLKIF_OP_WRITE,
                    BlkbackFixture.XVDA, 1, 0, java.util.List.of(page.whole())));
            var first = f.device(1);
            f.fx.toolstack.await(f.fx.toolstack.removeBackend("vbd", 1, BlkbackFixture.XVDA));
            f.fx.hv.runUntilIdle();
            // The frontend lets go of the old connection (blkback_changed: Closed), which the restore waits for.
            front.setState(6);
            assertThat(Blkback.device(f.fx.toolstack, 1, BlkbackFixture.XVDA)).isEmpty();
            f.fx.toolstack.await(f.fx.toolstack.restoreBackend("vbd", 1, BlkbackFixture.XVDA));
            f.fx.hv.runUntilIdle();
            var second = f.device(1);
            assertThat(second).isNotSameAs(first);
            assertThat(f.read(f.backend(1) + "/hotplug-status")).isEqualTo("connected");
            assertThat(f.blkback.loops().attached()).isEqualTo(1);
            assertThat(f.fx.trace.events(e -> e.detail().startsWith("released the loop device of an earlier backend")))
                    .hasSize(1);
            // The frontend reconnects from Initialising.
            front.setState(1);
            var again = new ScriptedBlkfront(f.fx, front.guest, front.devid);
            again.connect(1, 0, true);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("4");
            var read = again.page(false, (byte) 0);
            assertThat(again.submit(0, new io.xensim.blk.protocol.BlkifRequest(io.xensim.blk.protocol.BlkifOp.BLKIF_OP_READ,
                    BlkbackFixture.XVDA, 2, 0, java.util.List.of(read.whole()))).status()).isZero();
            assertThat(ScriptedBlkfront.bytes(read.bytes())).containsOnly((byte) 0x42);
        }
    }

    @Test
    void hotplugFailureIsTheScriptsFatalMessage() {
        try (var f = new BlkbackFixture()) {
            f.guest(1, DiskConfig.of("xvda", BlkbackFixture.XVDA, "/images/missing.img"));
            assertThat(f.read(f.backend(1) + "/hotplug-status")).isEqualTo("error");
            assertThat(f.read(f.backend(1) + "/hotplug-error"))
                    .isEqualTo("/images/missing.img: No such file or directory");
            assertThat(f.read(f.backend(1) + "/physical-device")).isNull();
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("2");
            assertThat(f.blkback.loops().attached()).isZero();
        }
    }

    @Test
    void writableModeOverAReadOnlyImageIsFatal() {
        try (var f = new BlkbackFixture(BlkbackConfig.defaults(), false)) {
            f.guest(1);
            var ro = io.xensim.blk.image.MemoryImage.createReadOnly("ro", 8);
            var loop = f.blkback.loops().attach("vbd/1/51712", "ro", ro);
            f.fx.toolstack.await(f.fx.toolstack.xs().write(f.backend(1) + "/physical-device", loop.physicalDevice()));
            f.fx.hv.runUntilIdle();
            assertThat(error(f).orElseThrow()).isEqualTo(
                    "2 creating vbd structure: device 7:0 could not be opened for writing");
        }
    }

    @Test
    void aRestartedBackendMayOfferLess() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            front.connect(4, 4, true);
            f.blkback.reconfigure(BlkbackConfig.defaults().withMaxQueues(2).withMaxRingPageOrder(1)
                    .withMaxIndirectSegments(32));
            f.fx.toolstack.await(f.fx.toolstack.removeBackend("vbd", 1, BlkbackFixture.XVDA));
            f.fx.hv.runUntilIdle();
            // The frontend lets go of the old connection (blkback_changed: Closed), which the restore waits for.
            front.setState(6);
            f.fx.toolstack.await(f.fx.toolstack.restoreBackend("vbd", 1, BlkbackFixture.XVDA));
            f.fx.hv.runUntilIdle();
            assertThat(f.read(f.backend(1) + "/multi-queue-max-queues")).isEqualTo("2");
            assertThat(f.read(f.backend(1) + "/max-ring-page-order")).isEqualTo("1");
            assertThat(f.read(f.backend(1) + "/feature-max-indirect-segments")).isEqualTo("32");
            front.setState(6);
            front.setState(1);
            var again = new ScriptedBlkfront(f.fx, front.guest, front.devid);
            again.connect(2, 1, true);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("4");
            assertThat(f.device(1).rings()).hasSize(2);
        }
    }
}
