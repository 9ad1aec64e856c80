package io.xensim.hvm.ide;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.image.MemoryImage;
import io.xensim.hvm.platform.UnplugRelay;
import io.xensim.hvm.platform.GuestPlatform;
import io.xensim.hvm.platform.HvmMachine;
import io.xensim.hvm.platform.HvmMachineConfig;
import io.xensim.hvm.platform.HvmParams;
import io.xensim.hvm.platform.pci.PciAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The IDE controller in an HVM machine booted by the platform code: a PV guest's unplug takes hda away (the CD-ROM
 * stays), a guest without PV drivers keeps it and reads it over PIO; the PIIX3 functions show in its PCI scan.
 */
class IdeOnHvmMachineTest {
    private static final int DOMID = 9;

    final HvmParams params = new HvmParams();
    final UnplugRelay devices = new UnplugRelay();
    final HvmMachine machine = HvmMachine.create(DOMID, HvmMachineConfig.defaults(), devices);
    final IdeController ide = IdeController.installOnPci(machine.pciHost(), IdeController.DEFAULT_ADDRESS, Map.of(
            0, IdeDrive.disk(MemoryImage.create("hda", 2048), 0),
            2, IdeDrive.cdrom(MemoryImage.createReadOnly("hdc", 64), 2)));

    IdeOnHvmMachineTest() {
        devices.connect(ide);
        params.set(DOMID, HvmParams.HVM_PARAM_STORE_PFN, 0xfeffc);
        params.set(DOMID, HvmParams.HVM_PARAM_STORE_EVTCHN, 3);
    }

    @Test
    void aPvGuestUnplugsTheHardDiskAndKeepsTheCdrom() {
        var result = GuestPlatform.boot(machine, params, GuestPlatform.Request.pvDefault());
        assertThat(result.pvReady()).isTrue();
        assertThat(result.pciDevices()).extracting(d -> d.address()).contains(PciAddress.of(1, 0),
                IdeController.DEFAULT_ADDRESS);
        assertThat(ide.drive(0)).isEmpty();
        assertThat(ide.drive(2)).isPresent();
        assertThat(IdePioDisk.open(machine.ioBus(), 0, IdePioConfig.defaults())).isEmpty();
    }

    @Test
    void aGuestWithoutPvDriversKeepsTheIdeDisk() {
        var result = GuestPlatform.boot(machine, params, GuestPlatform.Request.emulatedOnly());
        assertThat(result.pvReady()).isFalse();
        IdePioDisk hda = IdePioDisk.open(machine.ioBus(), 0, IdePioConfig.defaults()).orElseThrow();
        assertThat(hda.name()).isEqualTo("hda");
        assertThat(hda.sectors()).isEqualTo(2048);
        long before = machine.exits();
        hda.read(0, java.lang.foreign.MemorySegment.ofArray(new byte[4096])).join();
        assertThat(machine.exits() - before).isEqualTo(10 + 8 * 257 + 1);
    }
}
