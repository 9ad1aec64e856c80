package io.xensim.blk;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.back.BlkbackConfig;
import io.xensim.testkit.XenstoreDump;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The xenstore tree of a connected vbd as a real host shows it ({@code xenstore-ls -p -f}: every key of both
 * directories in the order it was written, with its permissions), and the order of the handshake: what libxl 4.17
 * writes in one transaction, blkback's probe keys and InitWait, the block script, blkfront's ring keys and
 * Initialised, blkback's connect keys and Connected, blkfront Connected.
 */
class BlkPairTreeTest {
    private static final String FE = BlkPair.frontendPath(1);
    private static final String BE = BlkPair.backendPath(1);

    @Test
    void treeAfterConnectWithTwoQueuesOfTwoPages() {
        try (var p = new BlkPair(BlkbackConfig.defaults(),
                BlkfrontConfig.DEFAULT.withMaxQueues(2).withMaxRingPageOrder(1))) {
            p.addVbd(1, BlkPair.xvda("/images/dom1.img"));
            assertThat(XenstoreDump.dump(p.fx.toolstack, FE)).containsExactly(
                    FE + " = \"\" (n1,r0)",
                    FE + "/backend = \"/local/domain/0/backend/vbd/1/51712\" (n1,r0)",
                    FE + "/backend-id = \"0\" (n1,r0)",
                    FE + "/state = \"4\" (n1,r0)",
                    FE + "/virtual-device = \"51712\" (n1,r0)",
                    FE + "/device-type = \"disk\" (n1,r0)",
                    FE + "/trusted = \"1\" (n1,r0)",
                    FE + "/ring-page-order = \"1\" (n1,r0)",
                    FE + "/multi-queue-num-queues = \"2\" (n1,r0)",
                    FE + "/queue-0 = \"\" (n1,r0)",
                    FE + "/queue-0/ring-ref0 = \"8\" (n1,r0)",
                    FE + "/queue-0/ring-ref1 = \"9\" (n1,r0)",
                    FE + "/queue-0/event-channel = \"2\" (n1,r0)",
                    FE + "/queue-1 = \"\" (n1,r0)",
                    FE + "/queue-1/ring-ref0 = \"10\" (n1,r0)",
                    FE + "/queue-1/ring-ref1 = \"11\" (n1,r0)",
                    FE + "/queue-1/event-channel = \"3\" (n1,r0)",
                    FE + "/protocol = \"x86_64-abi\" (n1,r0)",
                    FE + "/feature-persistent = \"1\" (n1,r0)");
            assertThat(XenstoreDump.dump(p.fx.toolstack, BE)).containsExactly(
                    BE + " = \"\" (n0,r1)",
                    BE + "/frontend = \"/local/domain/1/device/vbd/51712\" (n0,r1)",
                    BE + "/params = \"/images/dom1.img\" (n0,r1)",
                    BE + "/script = \"/etc/xen/scripts/block\" (n0,r1)",
                    BE + "/frontend-id = \"1\" (n0,r1)",
                    BE + "/online = \"1\" (n0,r1)",
                    BE + "/removable = \"0\" (n0,r1)",
                    BE + "/bootable = \"1\" (n0,r1)",
                    BE + "/state = \"4\" (n0,r1)",
                    BE + "/dev = \"xvda\" (n0,r1)",
                    BE + "/type = \"phy\" (n0,r1)",
                    BE + "/mode = \"w\" (n0,r1)",
                    BE + "/device-type = \"disk\" (n0,r1)",
                    BE + "/discard-enable = \"1\" (n0,r1)",
                    BE + "/specification = \"xen\" (n0,r1)",
                    BE + "/feature-max-indirect-segments = \"256\" (n0,r1)",
                    BE + "/multi-queue-max-queues = \"4\" (n0,r1)",
                    BE + "/max-ring-page-order = \"4\" (n0,r1)",
                    BE + "/node = \"/dev/loop0\" (n0,r1)",
                    BE + "/physical-device = \"7:0\" (n0,r1)",
                    BE + "/physical-device-path = \"/dev/loop0\" (n0,r1)",
                    BE + "/hotplug-status = \"connected\" (n0,r1)",
                    BE + "/feature-flush-cache = \"1\" (n0,r1)",
                    BE + "/discard-granularity = \"4096\" (n0,r1)",
                    BE + "/discard-alignment = \"0\" (n0,r1)",
                    BE + "/discard-secure = \"0\" (n0,r1)",
                    BE + "/feature-discard = \"1\" (n0,r1)",
                    BE + "/feature-barrier = \"1\" (n0,r1)",
                    BE + "/feature-persistent = \"1\" (n0,r1)",
                    BE + "/sectors = \"16384\" (n0,r1)",
                    BE + "/info = \"0\" (n0,r1)",
                    BE + "/sector-size = \"512\" (n0,r1)",
                    BE + "/physical-sector-size = \"512\" (n0,r1)");
        }
    }

    @Test
    void oneQueueOfOnePageWritesTheKeysAtTheTop() {
        try (var p = new BlkPair(BlkbackConfig.defaults(), BlkfrontConfig.DEFAULT.withMaxQueues(1))) {
            p.addVbd(1, BlkPair.xvda("/images/dom1.img"));
            List<String> fe = XenstoreDump.dump(p.fx.toolstack, FE);
            assertThat(fe.subList(fe.indexOf(FE + "/trusted = \"1\" (n1,r0)") + 1, fe.size())).containsExactly(
                    FE + "/ring-ref = \"8\" (n1,r0)",
                    FE + "/event-channel = \"2\" (n1,r0)",
                    FE + "/protocol = \"x86_64-abi\" (n1,r0)",
                    FE + "/feature-persistent = \"1\" (n1,r0)");
        }
    }

    @Test
    void handshakeOrderIsLibxlAndLinux() {
        try (var p = new BlkPair(BlkbackConfig.defaults(), BlkfrontConfig.DEFAULT)) {
            p.addVbd(1, BlkPair.xvda("/images/dom1.img"));
            List<String> steps = p.fx.trace.events(e -> (e.kind() == TraceEvent.Kind.STATE
                    || e.kind() == TraceEvent.Kind.INFO && (e.detail().startsWith("block add")
                    || e.detail().contains("online: hotplug-status"))) && e.device().startsWith("vbd/"))
                    .stream().map(e -> "d" + e.domid() + " " + e.detail().substring(0, e.detail().indexOf(':')))
                    .toList();
            assertThat(steps).containsExactly(
                    "d0 backend Initialising -> InitWait (2)",
                    "d0 block add",
                    "d0 /etc/xen/scripts/block online",
                    "d1 frontend Initialising -> Initialised (3)",
                    "d0 backend InitWait -> Connected (4)",
                    "d1 frontend Initialised -> Connected (4)");
            assertThat(p.fx.trace.events(e -> e.kind() == TraceEvent.Kind.STATE && e.domid() == 0).getFirst()
                    .detail()).endsWith("published feature-max-indirect-segments, multi-queue-max-queues, "
                    + "max-ring-page-order");
            assertThat(p.fx.trace.events(e -> e.kind() == TraceEvent.Kind.STATE && e.domid() == 1).getFirst()
                    .detail()).endsWith("published multi-queue-num-queues, queue-0/ring-ref, queue-0/event-channel, "
                    + "queue-1/ring-ref, queue-1/event-channel, queue-2/ring-ref, queue-2/event-channel, "
                    + "queue-3/ring-ref, queue-3/event-channel, protocol, feature-persistent");
        }
    }
}
