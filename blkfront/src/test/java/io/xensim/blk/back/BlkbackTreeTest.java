package io.xensim.blk.back;

import io.xensim.testkit.XenstoreDump;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.protocol.VbdName;
import io.xensim.xenbus.toolstack.DiskConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The xenstore tree of a vbd, node by node with permissions, as libxl 4.17, the block script and blkback leave it. */
class BlkbackTreeTest {
    private static final String FE = "/local/domain/1/device/vbd/51712";
    private static final String BE = "/local/domain/0/backend/vbd/1/51712";
    private static final String LX = "/libxl/1/device/vbd/51712";

    @Test
    void diskAfterProbeAndHotplug() {
        try (var f = new BlkbackFixture()) {
            f.guest(1);
            assertThat(XenstoreDump.dump(f.fx.toolstack, FE)).containsExactly(
                    FE + " = \"\" (n1,r0)",
                    FE + "/backend = \"" + BE + "\" (n1,r0)",
                    FE + "/backend-id = \"0\" (n1,r0)",
                    FE + "/state = \"1\" (n1,r0)",
                    FE + "/virtual-device = \"51712\" (n1,r0)",
                    FE + "/device-type = \"disk\" (n1,r0)",
                    FE + "/trusted = \"1\" (n1,r0)");
            assertThat(XenstoreDump.dump(f.fx.toolstack, BE)).containsExactly(
                    BE + " = \"\" (n0,r1)",
                    BE + "/frontend = \"" + FE + "\" (n0,r1)",
                    BE + "/params = \"/images/dom1.img\" (n0,r1)",
                    BE + "/script = \"/etc/xen/scripts/block\" (n0,r1)",
                    BE + "/frontend-id = \"1\" (n0,r1)",
                    BE + "/online = \"1\" (n0,r1)",
                    BE + "/removable = \"0\" (n0,r1)",
                    BE + "/bootable = \"1\" (n0,r1)",
                    BE + "/state = \"2\" (n0,r1)",
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
                    BE + "/hotplug-status = \"connected\" (n0,r1)");
            assertThat(XenstoreDump.dump(f.fx.toolstack, LX)).containsExactly(
                    LX + " = \"\" (n0)",
                    LX + "/frontend = \"" + FE + "\" (n0)",
                    LX + "/backend = \"" + BE + "\" (n0)",
                    LX + "/params = \"/images/dom1.img\" (n0)",
                    LX + "/script = \"/etc/xen/scripts/block\" (n0)",
                    LX + "/frontend-id = \"1\" (n0)",
                    LX + "/online = \"1\" (n0)",
                    LX + "/removable = \"0\" (n0)",
                    LX + "/bootable = \"1\" (n0)",
                    LX + "/state = \"1\" (n0)",
                    LX + "/dev = \"xvda\" (n0)",
                    LX + "/type = \"phy\" (n0)",
                    LX + "/mode = \"w\" (n0)",
                    LX + "/device-type = \"disk\" (n0)",
                    LX + "/discard-enable = \"1\" (n0)",
                    LX + "/specification = \"xen\" (n0)");
            assertThat(f.device(1).physicalDevice()).contains("7:0");
        }
    }

    @Test
    void connectedDiskAddsConnectKeysInLinuxOrder() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            front.connect(1, 0, true);
            var be = XenstoreDump.dump(f.fx.toolstack, BE);
            int first = be.indexOf(BE + "/hotplug-status = \"connected\" (n0,r1)") + 1;
            assertThat(be.subList(first, be.size())).containsExactly(
                    BE + "/feature-flush-cache = \"1\" (n0,r1)",
                    BE + "/discard-granularity = \"4096\" (n0,r1)",
                    BE + "/discard-alignment = \"0\" (n0,r1)",
                    BE + "/discard-secure = \"0\" (n0,r1)",
                    BE + "/feature-discard = \"1\" (n0,r1)",
                    BE + "/feature-barrier = \"1\" (n0,r1)",
                    BE + "/feature-persistent = \"1\" (n0,r1)",
                    BE + "/sectors = \"2048\" (n0,r1)",
                    BE + "/info = \"0\" (n0,r1)",
                    BE + "/sector-size = \"512\" (n0,r1)",
                    BE + "/physical-sector-size = \"512\" (n0,r1)");
            assertThat(f.read(BE + "/state")).isEqualTo("4");
        }
    }

    @Test
    void readOnlyDiskIsReadOnlyWithoutFlushOrDiscard() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1, DiskConfig.of("xvdb", VbdName.vdevOf("xvdb"), "/images/ro.img").readOnly());
            front.connect(1, 0, true);
            String be = "/local/domain/0/backend/vbd/1/51728";
            assertThat(f.read(be + "/mode")).isEqualTo("r");
            assertThat(f.read(be + "/discard-enable")).isEqualTo("0");
            assertThat(f.read(be + "/info")).isEqualTo("4");            // VDISK_READONLY
            assertThat(f.read(be + "/feature-flush-cache")).isEqualTo("0");
            assertThat(f.read(be + "/feature-barrier")).isEqualTo("0");
            // discard-enable = 0: xen_blkbk_discard writes nothing, not even feature-discard.
            assertThat(f.read(be + "/feature-discard")).isNull();
            assertThat(f.read(be + "/discard-granularity")).isNull();
        }
    }

    @Test
    void cdromIsReadOnlyAndRemovable() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1, DiskConfig.of("hdc", VbdName.vdevOf("hdc"), "/images/cd.iso").asCdrom());
            front.connect(1, 0, true);
            String be = "/local/domain/0/backend/vbd/1/5632";
            String fe = "/local/domain/1/device/vbd/5632";
            assertThat(f.read(fe + "/device-type")).isEqualTo("cdrom");
            assertThat(f.read(be + "/device-type")).isEqualTo("cdrom");
            assertThat(f.read(be + "/removable")).isEqualTo("1");
            assertThat(f.read(be + "/info")).isEqualTo("5");            // VDISK_CDROM | VDISK_READONLY
        }
    }

    @Test
    void untrustedDiskWithDiscardDisabled() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1, DiskConfig.of("xvda", BlkbackFixture.XVDA, "/images/u.img")
                    .withTrusted(false).withDiscardEnable(false));
            front.connect(1, 0, false);
            assertThat(f.read(FE + "/trusted")).isEqualTo("0");
            assertThat(f.read(BE + "/discard-enable")).isEqualTo("0");
            assertThat(f.read(BE + "/feature-discard")).isNull();
            assertThat(f.read(BE + "/feature-flush-cache")).isEqualTo("1");
            assertThat(f.device(1).persistentGrants()).isFalse();
        }
    }

    @Test
    void diskNamesAreEncodedAsTheVirtualDevice() {
        assertThat(Blkback.disk("xvda", "/a").devid()).isEqualTo(51712);
        assertThat(Blkback.disk("hdc", "/a").devid()).isEqualTo(5632);
        assertThat(Blkback.disk("xvdq", "/a").devid()).isEqualTo((1 << 28) | (16 << 8));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Blkback.disk("vda", "/a"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"vda\"");
    }

    @Test
    void legacyVbdFactoryKeepsItsSignature() {
        var d = io.xensim.xenbus.toolstack.DeviceConfig.vbd(1, 0, 51712, "xvda", "/images/a.img", "phy", true);
        assertThat(List.copyOf(d.backendKeys().keySet())).containsExactly("params", "script", "frontend-id",
                "online", "removable", "bootable", "state", "dev", "type", "mode", "device-type", "discard-enable",
                "specification");
        assertThat(List.copyOf(d.frontendKeys().keySet())).containsExactly("virtual-device", "device-type",
                "trusted");
    }
}
