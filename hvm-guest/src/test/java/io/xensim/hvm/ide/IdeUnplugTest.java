package io.xensim.hvm.ide;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.image.MemoryImage;
import io.xensim.hvm.platform.IoPortBus;
import io.xensim.hvm.platform.XenPlatformDevice;
import io.xensim.hvm.platform.XenUnplug;
import io.xensim.hvm.platform.XenUnplug.Frontends;
import io.xensim.hvm.platform.pci.PciAddress;
import io.xensim.hvm.platform.pci.PciConf1;
import io.xensim.hvm.platform.pci.PciConfigHeader;
import io.xensim.hvm.platform.pci.PciDeviceInfo;
import io.xensim.hvm.platform.pci.PciFirmware;
import io.xensim.hvm.platform.pci.PciScan;
import io.xensim.hvm.platform.pci.PciHost;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Xen platform device's unplug reaching the IDE controller: hard disks go, CD-ROMs stay. */
class IdeUnplugTest {
    final IoPortBus bus = new IoPortBus();
    final PciHost host = PciHost.install(bus);
    final MemoryImage hda = MemoryImage.create("hda", 64);
    final MemoryImage hdb = MemoryImage.create("hdb", 64);
    final MemoryImage cd = MemoryImage.createReadOnly("cd", 64);
    final MemoryImage hdd = MemoryImage.create("hdd", 64);
    final IdeController ide = IdeController.installOnPci(host, IdeController.DEFAULT_ADDRESS, Map.of(
            0, IdeDrive.disk(hda, 0), 1, IdeDrive.disk(hdb, 1), 2, IdeDrive.cdrom(cd, 2), 3, IdeDrive.disk(hdd, 3)));

    {
        XenPlatformDevice.install(host, ide);
    }

    private boolean opens(int index) {
        return IdePioDisk.open(bus, index, IdePioConfig.defaults()).isPresent();
    }

    private AtaPio.Class probe(int index) {
        return AtaPio.channel(bus, index / 2, IdePioConfig.defaults()).probe().get(index % 2);
    }

    @Test
    void thePiix3FunctionIsOnThePciBus() {
        var function = host.function(IdeController.DEFAULT_ADDRESS).orElseThrow();
        assertThat(function.readConfig(PciConfigHeader.PCI_VENDOR_ID, 2)).isEqualTo(0x8086);
        assertThat(function.readConfig(PciConfigHeader.PCI_DEVICE_ID, 2)).isEqualTo(0x7010);
        assertThat(function.readConfig(PciConfigHeader.PCI_CLASS_DEVICE, 2)).isEqualTo(0x0101);
    }

    @Test
    void aGuestsPciScanFindsTheIdeFunctionBehindTheIsaBridge() {
        PciFirmware.setUp(new PciConf1(bus));
        var found = new PciScan(new PciConf1(bus)).scanBus();
        assertThat(found).extracting(PciDeviceInfo::address).contains(PciAddress.of(1, 0), PciAddress.of(1, 1),
                XenPlatformDevice.DEFAULT_ADDRESS);
        PciDeviceInfo ide = found.stream().filter(f -> f.address().equals(IdeController.DEFAULT_ADDRESS)).findFirst()
                .orElseThrow();
        assertThat(ide.vendorId()).isEqualTo(0x8086);
        assertThat(ide.deviceId()).isEqualTo(0x7010);
        assertThat(ide.classDevice()).isEqualTo(0x0101);
        assertThat(ide.progIf()).isEqualTo(0x80);
        assertThat(opens(0)).as("the legacy ports work whatever the BARs").isTrue();
    }

    @Test
    void theDefaultMaskUnplugsEveryHardDiskButNotTheCdrom() {
        assertThat(opens(0)).isTrue();
        // a write the guest made before the unplug is on the image, then the disk is gone
        IdePioDisk disk = IdePioDisk.open(bus, 0, IdePioConfig.defaults()).orElseThrow();
        disk.write(0, MemorySegment.ofArray(new byte[512]).fill((byte) 0x5a));
        var result = XenUnplug.run(bus, 0, Frontends.BOTH);
        assertThat(result.maskWritten()).hasValue(XenUnplug.XEN_UNPLUG_ALL_IDE_DISKS | XenUnplug.XEN_UNPLUG_ALL_NICS);
        assertThat(ide.drive(0)).isEmpty();
        assertThat(ide.drive(1)).isEmpty();
        assertThat(ide.drive(3)).isEmpty();
        assertThat(ide.drive(2)).hasValueSatisfying(d -> assertThat(d.kind()).isEqualTo(IdeDrive.Kind.CDROM));
        for (int i : new int[] {0, 1, 3}) {
            assertThat(probe(i)).as("hd%c", 'a' + i).isEqualTo(AtaPio.Class.NONE);
            assertThat(opens(i)).isFalse();
        }
        assertThat(probe(2)).isEqualTo(AtaPio.Class.ATAPI);
        assertThat(hda.contents().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0x5a);
    }

    @Test
    void auxIdeDisksKeepsThePrimaryMaster() {
        XenUnplug.run(bus, XenUnplug.XEN_UNPLUG_AUX_IDE_DISKS, Frontends.BOTH);
        assertThat(ide.drive(0)).isPresent();
        assertThat(ide.drive(1)).isEmpty();
        assertThat(ide.drive(2)).isPresent();
        assertThat(ide.drive(3)).isEmpty();
        assertThat(opens(0)).isTrue();
        assertThat(opens(1)).isFalse();
        assertThat(opens(3)).isFalse();
    }

    @Test
    void nicsOnlyLeavesTheDisks() {
        XenUnplug.run(bus, XenUnplug.XEN_UNPLUG_ALL_NICS, Frontends.BOTH);
        assertThat(opens(0)).isTrue();
        assertThat(opens(1)).isTrue();
        assertThat(opens(3)).isTrue();
    }

    @Test
    void unpluggingTwiceDoesNothingMore() {
        ide.unplugIdeDisks();
        ide.unplugIdeDisks();
        ide.unplugAuxIdeDisks();
        assertThat(ide.drive(2)).isPresent();
        assertThat(probe(2)).isEqualTo(AtaPio.Class.ATAPI);
    }
}
