package io.xensim.testbed.scenario;

import io.xensim.blk.image.MemoryImage;
import io.xensim.hvm.boot.BootOutcome;
import io.xensim.hvm.boot.BootRequest;
import io.xensim.hvm.boot.BootedGuest;
import io.xensim.hvm.boot.HvmGuest;
import io.xensim.hvm.boot.HvmHost;
import io.xensim.hvm.boot.QemuDeviceModel;
import io.xensim.hvm.cmdline.GuestProfile;
import io.xensim.hvm.config.ToolstackDialect;
import io.xensim.blk.back.ImageOpener;
import java.io.PrintWriter;
import java.util.List;

/**
 * The seed's guest (RHEL 6.0 under {@code xl}, one vif, one file disk) as the boot scenarios use it: its config
 * text, a host whose disks are fresh in-memory images, and a boot that prints xl's and the guest's log.
 *
 * <p><b>Threading:</b> static helpers, called on the scenario's thread.
 */
final class SeedGuest {
    static final String MAC = "00:16:3e:11:22:33";

    private static final String CONFIG = """
            # the seed's guest: RHEL 6.0
            name = "%s"
            builder = "hvm"
            memory = 64
            vcpus = 2
            xen_platform_pci = 1
            vif = [ '%s' ]
            disk = [ '%s' ]
            """;

    /** Every open is a fresh 4 MiB image. */
    static final ImageOpener MEMORY_IMAGES = (params, writable) -> MemoryImage.create(params, 8192);

    private SeedGuest() {
    }

    static String config(String name, String vif, String disk) {
        return CONFIG.formatted(name, vif, disk);
    }

    static String config(String vif, String vdev) {
        return config("rhel6", vif, "file:/srv/rhel6.img," + vdev + ",w");
    }

    static HvmHost host() {
        return HvmHost.start(MEMORY_IMAGES);
    }

    /** Boots one guest with the real device model, printing the command it stands for and the whole log. */
    static BootOutcome boot(PrintWriter out, HvmHost host, String config, String cmdline, GuestProfile profile,
            ToolstackDialect dialect) {
        out.println("$ " + (dialect == ToolstackDialect.XM ? "xm" : "xl") + " create rhel6.cfg   # guest "
                + profile.id() + ", cmdline \"" + cmdline + "\"");
        config.lines().filter(l -> l.startsWith("vif") || l.startsWith("disk"))
                .forEach(l -> out.println("    " + l));
        BootOutcome outcome = HvmGuest.boot(host, BootRequest.of("rhel6.cfg", config, QemuDeviceModel.FACTORY)
                .withCmdline(cmdline).withProfile(profile).withDialect(dialect));
        outcome.log().forEach(l -> out.println("  | " + l));
        out.println("  exit status " + outcome.exitStatus());
        out.println();
        return outcome;
    }

    /** "eth0=8139too,eth1=xen-netfront" (or "-"). */
    static String nics(BootedGuest guest) {
        return render(guest.nics().stream().map(n -> n.name() + "=" + n.driver()).toList());
    }

    /** "sda=ata_piix,xvda=xen-blkfront" in name order (or "-"). */
    static String disks(BootedGuest guest) {
        return render(guest.disks().stream().map(d -> d.name() + "=" + d.driver()).sorted().toList());
    }

    static String render(List<String> items) {
        return items.isEmpty() ? "-" : String.join(",", items);
    }
}
