package io.xensim.hvm.boot;

import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.image.BlockImage;
import io.xensim.hvm.config.DiskSpec;
import io.xensim.hvm.config.VifSpec;
import io.xensim.hvm.ide.IdeController;
import io.xensim.hvm.ide.IdeDrive;
import io.xensim.hvm.ide.IdePioConfig;
import io.xensim.hvm.ide.IdePioDisk;
import io.xensim.hvm.platform.HvmMachine;
import io.xensim.hvm.platform.pci.PciAddress;
import io.xensim.hvm.platform.pci.PciConf1;
import io.xensim.hvm.platform.pci.PciDeviceInfo;
import io.xensim.hvm.rtl8139.Rtl8139Nic;
import io.xensim.hvm.rtl8139.Rtl8139NicConfig;
import io.xensim.hvm.rtl8139.driver.Rtl8139Driver;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.guest.GuestNetInterface;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The qemu-xen device model of one HVM guest over the register-level models: an {@link Rtl8139Nic} per
 * {@code type=ioemu} vif (PCI slots from 00:04.0, its tap {@code vif<domid>.<devid>-emu} a port of the vif's
 * bridge), and the PIIX3 {@link IdeController} at 00:01.1 with a drive per emulated disk, over the image dom0's
 * {@link HvmHost#images()} opens for the disk's target. The guest's drivers are the 8139too-style
 * {@link Rtl8139Driver} and the libata-style {@link IdePioDisk}, so the emulated path carries real traffic through
 * port I/O (every access a counted VM exit).
 *
 * <p><b>Threading:</b> the guest vCPU's thread (the guest domain's executor); the NICs hand frames to and from
 * dom0's executor, where the bridge lives.
 *
 * <p><b>Reference:</b> libxl_dm.c {@code libxl__build_device_model_args_new} (one {@code rtl8139} device and tap
 * per ioemu NIC, IDE drives by disk index); QEMU {@code hw/i386/pc_piix.c} (the PIIX3 IDE function), Linux 6.1
 * drivers/net/ethernet/realtek/8139too.c ({@code rtl8139_init_one}'s banner and "%s at 0x%lx, %pM" line) and
 * drivers/ata/libata-core.c ({@code ata_dev_configure}'s "ATA-%d: %s, %s, max %s").
 */
public final class QemuDeviceModel implements DeviceModel {
    private static final Logger log = LoggerFactory.getLogger(QemuDeviceModel.class);
    /** The first slot an emulated NIC gets, after the platform device at 00:03.0. */
    public static final int FIRST_NIC_SLOT = 4;
    /** libata's name for the first emulated port pair's driver. */
    public static final String ATA_DRIVER = "ata_piix";

    /** Starts this device model for a guest: what {@link BootRequest#deviceModel()} takes. */
    public static final DeviceModelFactory FACTORY = QemuDeviceModel::new;

    private final HvmMachine machine;
    private final ManagedDomain guest;
    private final HvmHost host;
    private final List<Nic> nics = new ArrayList<>();
    private final Map<Integer, IdeDrive> drives = new LinkedHashMap<>();
    private final List<Disk> disks = new ArrayList<>();
    private final List<BlockImage> images = new ArrayList<>();
    private IdeController ide;
    private boolean bannerPrinted;

    private QemuDeviceModel(HvmMachine machine, ManagedDomain guest, HvmHost host) {
        this.machine = machine;
        this.guest = guest;
        this.host = host;
    }

    @Override
    public EmulatedNic addNic(VifSpec vif) {
        var config = Rtl8139NicConfig.forVif(guest.domid(), vif.devid(), MacAddress.of(vif.mac()),
                PciAddress.of(FIRST_NIC_SLOT + nics.size(), 0));
        var card = Rtl8139Nic.plug(config, machine.pciHost(), guest.domain().memory(),
                host.bridges().bridge(vif.bridge()), guest.domain().executor(), host.dom0().domain().executor(),
                host.clock());
        var nic = new Nic(card, vif);
        nics.add(nic);
        return nic;
    }

    @Override
    public EmulatedDisk addDisk(DiskSpec disk, int ideIndex) throws IOException {
        if (ide != null) {
            throw new IllegalStateException("ide: realized (expected: drives added before the machine starts)");
        }
        disk.target().orElseThrow(() -> new IOException(disk.vdev() + ": no image"));
        // The vbd's params: a qcow2 disk is opened as qcow2 here too, as QEMU's -drive gets its format.
        BlockImage image = host.images().open(disk.backendParams(), disk.readwrite() && !disk.cdrom());
        images.add(image);
        drives.put(ideIndex, disk.cdrom() ? IdeDrive.cdrom(image, ideIndex) : IdeDrive.disk(image, ideIndex));
        var d = new Disk(disk, ideIndex);
        disks.add(d);
        return d;
    }

    /** The PIIX3 IDE function exists on every i440FX machine, with or without drives. */
    @Override
    public void realize() {
        if (ide == null) {
            ide = IdeController.installOnPci(machine.pciHost(), IdeController.DEFAULT_ADDRESS, drives);
        }
    }

    @Override
    public List<EmulatedNic> nics() {
        return List.copyOf(nics);
    }

    @Override
    public List<EmulatedDisk> disks() {
        return List.copyOf(disks);
    }

    /** The IDE controller, once realized. */
    public Optional<IdeController> ide() {
        return Optional.ofNullable(ide);
    }

    @Override
    public void unplugNics() {
        nics.forEach(n -> n.card.unplugNics());
    }

    @Override
    public void unplugIdeDisks() {
        if (ide != null) {
            ide.unplugIdeDisks();
        }
    }

    @Override
    public void unplugAuxIdeDisks() {
        if (ide != null) {
            ide.unplugAuxIdeDisks();
        }
    }

    @Override
    public void unplugNvme() {
    }

    /** The taps leave their bridges (as an unplug would), and the images this model opened are closed. */
    @Override
    public void close() {
        nics.forEach(n -> {
            n.driver.ifPresent(Rtl8139Driver::close);
            n.card.unplugNics();
        });
        for (BlockImage image : images) {
            try {
                image.close();
            } catch (IOException e) {
                log.warn("dom{}: closing {}: {}", guest.domid(), image.name(), e.toString());
            }
        }
        images.clear();
    }

    /** One emulated card and, once probed, the guest's 8139too on it. */
    private final class Nic implements EmulatedNic {
        private final Rtl8139Nic card;
        private final VifSpec vif;
        private final List<String> driverLog = new ArrayList<>();
        private Optional<Rtl8139Driver> driver = Optional.empty();

        Nic(Rtl8139Nic card, VifSpec vif) {
            this.card = card;
            this.vif = vif;
        }

        @Override
        public String model() {
            return vif.model();
        }

        @Override
        public String driver() {
            return "8139too";
        }

        @Override
        public String tapName() {
            return card.name();
        }

        @Override
        public MacAddress mac() {
            return card.mac();
        }

        @Override
        public String bridge() {
            return vif.bridge();
        }

        @Override
        public String pciAddress() {
            return card.config().address().toString();
        }

        @Override
        public boolean plugged() {
            return card.plugged();
        }

        @Override
        public Optional<GuestNetInterface> probeDriver(String ifname, List<PciDeviceInfo> scanned) {
            if (!card.plugged()) {
                return Optional.empty();
            }
            Optional<PciDeviceInfo> found = scanned.stream()
                    .filter(d -> d.address().equals(card.config().address()) && Rtl8139Driver.matches(d))
                    .findFirst();
            if (found.isEmpty()) {
                return Optional.empty();
            }
            if (!bannerPrinted) {
                bannerPrinted = true;
                driverLog.add("8139too: 8139too Fast Ethernet driver 0.9.28");
            }
            driver = Rtl8139Driver.probe(new PciConf1(machine.ioBus()), found.get(), guest.domain().memory(),
                    card.irq(), guest.domain().executor());
            String prefix = "8139too 0000:" + found.get().address() + " ";
            if (driver.isEmpty()) {
                driverLog.add(prefix + "no I/O resource");
                return Optional.empty();
            }
            driverLog.add(prefix + ifname + ": RealTek RTL8139 at 0x" + Integer.toHexString(driver.get().ioaddr())
                    + ", " + driver.get().mac());
            if (!driver.get().open()) {
                driverLog.add(prefix + ifname + ": no memory for the receive ring");
                return Optional.empty();
            }
            return driver.map(d -> d);
        }

        @Override
        public List<String> driverLog() {
            return List.copyOf(driverLog);
        }
    }

    /** One IDE drive and the guest's ATA driver on it. */
    private final class Disk implements EmulatedDisk {
        private final DiskSpec disk;
        private final int index;
        private final List<String> driverLog = new ArrayList<>();

        Disk(DiskSpec disk, int index) {
            this.disk = disk;
            this.index = index;
        }

        @Override
        public DiskSpec spec() {
            return disk;
        }

        @Override
        public int ideIndex() {
            return index;
        }

        @Override
        public boolean plugged() {
            return ide != null && ide.drive(index).isPresent();
        }

        @Override
        public Optional<GuestBlockDevice> probeDriver(String name) {
            if (!plugged()) {
                return Optional.empty();
            }
            String port = ataPort();
            if (disk.cdrom()) {
                driverLog.add(port + ": ATAPI: QEMU DVD-ROM, " + IdeDrive.QEMU_FIRMWARE + ", max UDMA/100");
                driverLog.add("xensim: " + disk.vdev() + " is a CD-ROM; the guest model reads hard disks only");
                return Optional.empty();
            }
            Optional<IdePioDisk> pio = IdePioDisk.open(machine.ioBus(), index, IdePioConfig.defaults());
            if (pio.isEmpty()) {
                driverLog.add(port + ": failed to IDENTIFY (I/O error, err_mask=0x4)");
                return Optional.empty();
            }
            var id = pio.get().identify();
            driverLog.add(port + ": ATA-7: " + id.model() + ", " + id.firmware() + ", max UDMA/100");
            driverLog.add("sd " + (index / 2) + ":0:" + (index % 2) + ":0: [" + name + "] " + pio.get().sectors()
                    + " 512-byte logical blocks");
            return Optional.of(pio.get());
        }

        @Override
        public List<String> driverLog() {
            return List.copyOf(driverLog);
        }
    }
}
