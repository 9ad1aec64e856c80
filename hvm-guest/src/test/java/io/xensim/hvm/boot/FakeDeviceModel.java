package io.xensim.hvm.boot;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.hvm.config.DiskSpec;
import io.xensim.hvm.config.VifSpec;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.guest.GuestNetInterface;
import io.xensim.net.guest.NetCounters;
import io.xensim.net.guest.NetOffloads;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A device model whose emulated NICs and drives exist (and can be unplugged) but carry no data: enough for the
 * device-selection tables, independent of the RTL8139 and IDE models.
 */
final class FakeDeviceModel implements DeviceModel {
    final List<EmulatedNic> nics = new ArrayList<>();
    final List<EmulatedDisk> disks = new ArrayList<>();
    final List<String> unplugs = new ArrayList<>();
    final int domid;
    /** When set, every drive's image fails to open with this message (QEMU cannot start). */
    String diskError;

    FakeDeviceModel(int domid) {
        this.domid = domid;
    }

    static final DeviceModelFactory FACTORY = (machine, guest, host) -> new FakeDeviceModel(guest.domid());

    @Override
    public EmulatedNic addNic(VifSpec vif) {
        var nic = new Nic(vif, domid, "00:0" + (4 + nics.size()) + ".0");
        nics.add(nic);
        return nic;
    }

    @Override
    public EmulatedDisk addDisk(DiskSpec disk, int ideIndex) throws java.io.IOException {
        if (diskError != null) {
            throw new java.io.IOException(diskError);
        }
        var d = new Disk(disk, ideIndex);
        disks.add(d);
        return d;
    }

    @Override
    public List<EmulatedNic> nics() {
        return List.copyOf(nics);
    }

    @Override
    public List<EmulatedDisk> disks() {
        return List.copyOf(disks);
    }

    @Override
    public void unplugNics() {
        unplugs.add("nics");
        nics.forEach(n -> ((Nic) n).plugged = false);
    }

    @Override
    public void unplugIdeDisks() {
        unplugs.add("ide");
        disks.stream().filter(d -> !d.cdrom()).forEach(d -> ((Disk) d).plugged = false);
    }

    @Override
    public void unplugAuxIdeDisks() {
        unplugs.add("aux-ide");
        disks.stream().filter(d -> !d.cdrom() && d.ideIndex() != 0).forEach(d -> ((Disk) d).plugged = false);
    }

    @Override
    public void unplugNvme() {
        unplugs.add("nvme");
    }

    @Override
    public void close() {
    }

    static final class Nic implements EmulatedNic {
        final VifSpec vif;
        final int domid;
        final String address;
        boolean plugged = true;
        final List<String> log = new ArrayList<>();

        Nic(VifSpec vif, int domid, String address) {
            this.vif = vif;
            this.domid = domid;
            this.address = address;
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
            return "vif" + domid + "." + vif.devid() + "-emu";
        }

        @Override
        public MacAddress mac() {
            return MacAddress.of(vif.mac());
        }

        @Override
        public String bridge() {
            return vif.bridge();
        }

        @Override
        public String pciAddress() {
            return address;
        }

        @Override
        public boolean plugged() {
            return plugged;
        }

        @Override
        public Optional<GuestNetInterface> probeDriver(String ifname,
                List<io.xensim.hvm.platform.pci.PciDeviceInfo> scanned) {
            if (!plugged) {
                return Optional.empty();
            }
            log.add("8139too 0000:" + address + " " + ifname + ": RealTek RTL8139 " + vif.mac());
            return Optional.of(new NullNic(mac()));
        }

        @Override
        public List<String> driverLog() {
            return List.copyOf(log);
        }
    }

    static final class Disk implements EmulatedDisk {
        final DiskSpec disk;
        final int index;
        boolean plugged = true;
        final List<String> log = new ArrayList<>();

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
            return plugged;
        }

        @Override
        public Optional<GuestBlockDevice> probeDriver(String name) {
            if (!plugged) {
                return Optional.empty();
            }
            log.add(ataPort() + ": ATA-7: QEMU HARDDISK");
            return Optional.of(new NullDisk(name));
        }

        @Override
        public List<String> driverLog() {
            return List.copyOf(log);
        }
    }

    /** A NIC that is up and sends nowhere. */
    record NullNic(MacAddress mac) implements GuestNetInterface {
        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public LinkState linkState() {
            return LinkState.UP;
        }

        @Override
        public NetOffloads offloads() {
            return NetOffloads.NONE;
        }

        @Override
        public NetCounters counters() {
            return new NetCounters();
        }

        @Override
        public SendResult send(Frame frame) {
            return SendResult.SENT;
        }

        @Override
        public void setReceiver(Consumer<Frame> receiver) {
        }

        @Override
        public int txQueued() {
            return 0;
        }

        @Override
        public int txQueueLimit() {
            return 1000;
        }
    }

    /** A connected 4 MiB disk that answers every request OK without data. */
    record NullDisk(String name) implements GuestBlockDevice {
        @Override
        public State state() {
            return State.CONNECTED;
        }

        @Override
        public long sectors() {
            return 8192;
        }

        @Override
        public int sectorSize() {
            return 512;
        }

        @Override
        public int physicalSectorSize() {
            return 512;
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public int queueDepth() {
            return 1;
        }

        @Override
        public int outstanding() {
            return 0;
        }

        @Override
        public CompletableFuture<BlkStatus> read(long sector, MemorySegment dst) {
            return CompletableFuture.completedFuture(BlkStatus.OK);
        }

        @Override
        public CompletableFuture<BlkStatus> write(long sector, MemorySegment src) {
            return CompletableFuture.completedFuture(BlkStatus.OK);
        }

        @Override
        public CompletableFuture<BlkStatus> writeFua(long sector, MemorySegment src) {
            return CompletableFuture.completedFuture(BlkStatus.OK);
        }

        @Override
        public CompletableFuture<BlkStatus> flush() {
            return CompletableFuture.completedFuture(BlkStatus.OK);
        }

        @Override
        public CompletableFuture<BlkStatus> discard(long sector, long nrSectors) {
            return CompletableFuture.completedFuture(BlkStatus.OK);
        }
    }
}
