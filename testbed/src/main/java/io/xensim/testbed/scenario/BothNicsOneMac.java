package io.xensim.testbed.scenario;

import io.xensim.hvm.boot.BootOutcome;
import io.xensim.hvm.boot.BootedGuest;
import io.xensim.hvm.boot.GuestNic;
import io.xensim.hvm.boot.HvmHost;
import io.xensim.hvm.cmdline.GuestProfile;
import io.xensim.hvm.config.ToolstackDialect;
import io.xensim.testbed.scenario.ScenarioResult.Check;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * PV drivers bound while the emulated NICs were not unplugged ({@code xen_emul_unplug=ignore} under RHEL 6.0,
 * {@code unnecessary} under Linux 6.1): the guest sees the RTL8139 and the netfront vif, both with the vif's one
 * MAC, and the boot names the conflict.
 */
final class BothNicsOneMac implements Scenario {
    @Override
    public String name() {
        return "both-nics-one-mac";
    }

    @Override
    public String summary() {
        return "emulated NICs not unplugged (xen_emul_unplug=ignore/unnecessary): two NICs with one MAC, the "
                + "conflict named";
    }

    @Override
    public ScenarioResult run(PrintWriter out) {
        List<Check> checks = new ArrayList<>();
        try (HvmHost host = SeedGuest.host()) {
            checks.add(twoNics("rhel6.0, xen_emul_unplug=ignore", SeedGuest.boot(out, host,
                    SeedGuest.config("type=ioemu,mac=" + SeedGuest.MAC, "hda"),
                    "ro xen_pv_hvm=enable xen_emul_unplug=ignore", GuestProfile.RHEL6_0, ToolstackDialect.XL)));
        }
        try (HvmHost host = SeedGuest.host()) {
            checks.add(twoNics("linux 6.1, xen_emul_unplug=unnecessary", SeedGuest.boot(out, host,
                    SeedGuest.config("mac=" + SeedGuest.MAC, "xvda"), "ro xen_emul_unplug=unnecessary",
                    GuestProfile.LINUX, ToolstackDialect.XL)));
        }
        return ScenarioResult.of("When the guest loads netfront but does not unplug the emulated NICs, it has two "
                + "interfaces for one vif: eth0 on 8139too and eth1 on xen-netfront, both with the vif's MAC "
                + SeedGuest.MAC + ", on the same bridge. The boot reports the conflict; the fix is to let the "
                + "unplug happen (drop xen_emul_unplug=ignore/unnecessary).", checks);
    }

    static Check twoNics(String what, BootOutcome outcome) {
        if (!(outcome instanceof BootOutcome.Booted(BootedGuest guest))) {
            return new Check(what, false, "did not boot (exit " + outcome.exitStatus() + ")");
        }
        String nics = SeedGuest.nics(guest);
        List<String> macs = guest.nics().stream().map(GuestNic::mac).map(Object::toString).distinct().toList();
        String conflict = guest.notes().stream().filter(n -> n.contains("CONFLICT")).findFirst().orElse("");
        guest.shutdown();
        boolean held = nics.equals("eth0=8139too,eth1=xen-netfront") && macs.equals(List.of(SeedGuest.MAC))
                && !conflict.isEmpty();
        return new Check(what, held, "nics " + nics + ", MACs " + macs + ", "
                + (conflict.isEmpty() ? "no conflict named" : "named: " + conflict));
    }
}
