package io.xensim.hvm.boot;

import io.xensim.blk.front.BlkfrontDevice;

import io.xensim.hvm.config.DiskSpec;
import io.xensim.hvm.config.VifSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * The device selection as a guest ends up with it, said in words and tables: per vif, netfront only, the emulated
 * card only, both with one MAC (the conflict the seed warns about, naming which one probed first and so is the
 * lower {@code eth}), or no network at all; per disk, blkfront's xvd, the IDE disk, or both over one image. It only
 * describes: which devices exist is decided by what really bound and what the unplug left.
 *
 * <p><b>Threading:</b> stateless.
 */
final class DeviceSelection {
    private DeviceSelection() {
    }

    /** The name blkfront gives the vbd {@code vdevice} ({@link BlkfrontDevice#diskName}). */
    static String blkfrontName(int vdevice) {
        return BlkfrontDevice.diskName(vdevice);
    }

    /** The notes for every vif and disk of the guest, given the interfaces and block devices it has. */
    static List<String> notes(List<VifSpec> vifs, List<DiskSpec> diskSpecs, List<GuestNic> nics,
            List<GuestDisk> disks, String pvOffReason, String unplugWord, boolean rootNotePrinted) {
        List<String> notes = new ArrayList<>();
        for (VifSpec vif : vifs) {
            selectVif(vif, nics, pvOffReason, unplugWord, notes);
        }
        for (DiskSpec disk : diskSpecs) {
            selectDisk(disk, disks, pvOffReason, rootNotePrinted, notes);
        }
        return notes;
    }

    /** The line the guest prints when {@code nic}'s carrier comes up. */
    static String linkUpLine(GuestNic nic) {
        return nic.pv() ? "IPv6: ADDRCONF(NETDEV_CHANGE): " + nic.name() + ": link becomes ready"
                : nic.driver() + " " + nic.name() + ": link up, 100Mbps, full-duplex";
    }

    private static void selectVif(VifSpec vif, List<GuestNic> nics, String pvOffReason, String unplugWord,
            List<String> notes) {
        List<GuestNic> seen = nics.stream().filter(n -> n.devid() == vif.devid()).toList();
        Optional<GuestNic> pv = seen.stream().filter(GuestNic::pv).findFirst();
        Optional<GuestNic> emu = seen.stream().filter(n -> !n.pv()).findFirst();
        String what = "vif " + vif.devid() + " (MAC " + vif.mac() + ", bridge " + vif.bridge() + ", "
                + vif.type().backendType() + ")";
        if (pv.isPresent() && emu.isPresent()) {
            GuestNic first = pv.get().name().compareTo(emu.get().name()) < 0 ? pv.get() : emu.get();
            notes.add("xensim: CONFLICT: " + what + " appears twice in the guest with one MAC: " + emu.get().name()
                    + " is the emulated " + emu.get().driver() + " card and " + pv.get().name() + " is xen-netfront;"
                    + " the " + first.driver() + " one is " + first.name() + " because it probed first (PCI drivers"
                    + " bind before xenbus is up). The emulated NICs"
                    + " were kept (xen_emul_unplug=" + unplugWord + "), so two interfaces with MAC " + vif.mac()
                    + " sit on " + vif.bridge() + " and the bridge learns the MAC on whichever sent last. Remove"
                    + " the xen_emul_unplug option so the guest unplugs the emulated NIC, or use type=vif.");
        } else if (pv.isEmpty() && emu.isEmpty()) {
            notes.add("xensim: NO NETWORK on " + what + ": "
                    + (vif.type().emulated() ? "its emulated twin was unplugged and netfront did not connect"
                            : "it is PV only (no emulated twin) and netfront is not in use")
                    + (pvOffReason.isEmpty() ? "" : ": " + pvOffReason) + ".");
        } else if (emu.isPresent() && vif.type().emulated() && !pvOffReason.isEmpty()) {
            notes.add("xensim: " + what + " is the emulated " + emu.get().driver() + " card " + emu.get().name()
                    + " only: " + pvOffReason + ".");
        }
    }

    private static void selectDisk(DiskSpec disk, List<GuestDisk> disks, String pvOffReason, boolean rootNotePrinted,
            List<String> notes) {
        List<GuestDisk> seen = disks.stream().filter(d -> d.vdev().equals(disk.vdev())).toList();
        Optional<GuestDisk> pv = seen.stream().filter(GuestDisk::pv).findFirst();
        Optional<GuestDisk> emu = seen.stream().filter(d -> !d.pv()).findFirst();
        String what = "disk " + disk.vdev() + " (" + disk.target().orElse("empty") + ")";
        if (pv.isPresent() && emu.isPresent()) {
            notes.add("xensim: CONFLICT: " + what + " appears twice in the guest: " + emu.get().name()
                    + " (emulated IDE) and " + pv.get().name() + " (xen-blkfront) are the same image; writes"
                    + " through one are not seen by the other's page cache, and mounting both corrupts it."
                    + " Let the guest unplug the IDE disks (no xen_emul_unplug option).");
        } else if (pv.isPresent() && disk.emulatedIde()) {
            if (!rootNotePrinted) {
                notes.add("xensim: " + disk.vdev() + "'s IDE disk was unplugged; it is " + pv.get().name()
                        + " now. You might have to change the root device from /dev/hd[a-d] to /dev/xvd[a-d]"
                        + " in your root= kernel command line option.");
            }
        } else if (pv.isEmpty() && emu.isEmpty()) {
            notes.add("xensim: NO DISK for " + what + ": " + (disk.emulatedIde() || HvmGuest.diskIndex(disk.vdev())
                    .orElse(99) < 4 ? "its IDE drive was unplugged and blkfront did not connect"
                            : "it has no emulated drive and blkfront is not in use")
                    + (pvOffReason.isEmpty() ? "" : ": " + pvOffReason) + ".");
        }
    }

    /** The interface table: name, driver, MAC, bridge, backing. */
    static List<String> interfaceTable(List<GuestNic> nics) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "DRIVER", "MAC", "BRIDGE", "BACKING"});
        for (GuestNic n : nics) {
            rows.add(new String[] {n.name(), n.driver(), n.mac().toString(), n.bridge(), n.backing()});
        }
        if (nics.isEmpty()) {
            return List.of("Network interfaces: none");
        }
        List<String> out = new ArrayList<>();
        out.add("Network interfaces:");
        out.addAll(columns(rows));
        return out;
    }

    /** The block device table: name, driver, vdev, sectors, backing. */
    static List<String> blockTable(List<GuestDisk> disks, ToLongFunction<GuestDisk> sectorsOf) {
        if (disks.isEmpty()) {
            return List.of("Block devices: none");
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "DRIVER", "VDEV", "SECTORS", "BACKING"});
        for (GuestDisk d : disks) {
            long sectors = sectorsOf.applyAsLong(d);
            rows.add(new String[] {d.name(), d.driver(), d.vdev(), Long.toString(sectors), d.backing()});
        }
        List<String> out = new ArrayList<>();
        out.add("Block devices:");
        out.addAll(columns(rows));
        return out;
    }

    private static List<String> columns(List<String[]> rows) {
        int[] width = new int[rows.getFirst().length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        List<String> out = new ArrayList<>();
        for (String[] r : rows) {
            var sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                sb.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
            }
            out.add(sb.toString().stripTrailing());
        }
        return out;
    }
}
