package io.xensim.testbed.scenario;

import io.xensim.hvm.boot.BootOutcome;
import io.xensim.hvm.boot.BootedGuest;
import io.xensim.hvm.boot.HvmHost;
import io.xensim.hvm.cmdline.GuestProfile;
import io.xensim.hvm.config.ToolstackDialect;
import io.xensim.testbed.scenario.ScenarioResult.Check;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The seed's first finding: a RHEL 6.0 HVM guest loads its PV drivers only when its command line says
 * {@code xen_pv_hvm=enable}; without it the same config boots on the emulated RTL8139 (8139too) and IDE disk.
 */
final class PvOnHvm implements Scenario {
    static final String WITHOUT = "ro root=/dev/hda1";
    static final String WITH = "ro root=/dev/hda1 xen_pv_hvm=enable";

    @Override
    public String name() {
        return "pv-on-hvm";
    }

    @Override
    public String summary() {
        return "the same RHEL 6.0 config without and with xen_pv_hvm=enable: 8139too+IDE versus netfront+blkfront";
    }

    @Override
    public ScenarioResult run(PrintWriter out) {
        String cfg = SeedGuest.config("mac=" + SeedGuest.MAC, "hda");
        List<Check> checks = new ArrayList<>();
        try (HvmHost host = SeedGuest.host()) {
            BootOutcome off = SeedGuest.boot(out, host, cfg, WITHOUT, GuestProfile.RHEL6_0, ToolstackDialect.XL);
            checks.add(devices("without xen_pv_hvm=enable", off, "eth0=8139too", "sda=ata_piix"));
        }
        try (HvmHost host = SeedGuest.host()) {
            BootOutcome on = SeedGuest.boot(out, host, cfg, WITH, GuestProfile.RHEL6_0, ToolstackDialect.XL);
            checks.add(devices("with xen_pv_hvm=enable", on, "eth0=xen-netfront", "xvda=xen-blkfront"));
        }
        return ScenarioResult.of("RHEL 6.0 keeps its PV drivers off unless the kernel command line has "
                + "xen_pv_hvm=enable: without it the guest runs on the emulated RTL8139 (8139too) and the IDE disk "
                + "(ata_piix); with it the emulated devices are unplugged and the same config runs on xen-netfront "
                + "and xen-blkfront.", checks);
    }

    /** The guest booted with exactly these NICs and disks. */
    static Check devices(String what, BootOutcome outcome, String nics, String disks) {
        if (!(outcome instanceof BootOutcome.Booted(BootedGuest guest))) {
            return new Check(what, false, "did not boot (exit " + outcome.exitStatus() + ")");
        }
        String seen = SeedGuest.nics(guest) + " " + SeedGuest.disks(guest);
        guest.shutdown();
        return new Check(what + " (expected " + nics + " " + disks + ")", seen.equals(nics + " " + disks), seen);
    }
}
