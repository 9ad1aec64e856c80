package io.xensim.testbed.scenario;

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
 * {@code xl network-attach} on a running PV-on-HVM guest: a PV vif hot-plugs and netfront brings it up as the next
 * {@code eth}; a {@code type=ioemu} vif is refused, since the device model cannot add an emulated NIC to a running
 * guest (the seed's attempt crashed it).
 */
final class HotplugEmulatedNicRefused implements Scenario {
    static final String PV_VIF = "mac=00:16:3e:00:00:99,bridge=xenbr0";
    static final String IOEMU_VIF = "type=ioemu,mac=00:16:3e:00:00:98";

    @Override
    public String name() {
        return "hotplug-emulated-nic-refused";
    }

    @Override
    public String summary() {
        return "hot-adding a type=ioemu vif to a running guest is refused while a PV vif hot-plugs";
    }

    @Override
    public ScenarioResult run(PrintWriter out) {
        List<Check> checks = new ArrayList<>();
        try (HvmHost host = SeedGuest.host()) {
            BootedGuest guest = SeedGuest.boot(out, host, SeedGuest.config("mac=" + SeedGuest.MAC, "xvda"), "ro",
                    GuestProfile.LINUX, ToolstackDialect.XL).orElseThrow();
            BootedGuest.Hotplug pv = attach(out, guest, PV_VIF);
            String eth1 = guest.nic("eth1").map(n -> n.driver() + " " + n.mac()).orElse("no eth1");
            checks.add(new Check("a PV vif hot-plugs", pv.accepted() && guest.nic("eth1").map(GuestNic::pv)
                    .orElse(false), (pv.accepted() ? "accepted, eth1 " : "refused, ") + eth1));
            int nics = guest.nics().size();
            int cards = guest.deviceModel().nics().size();
            BootedGuest.Hotplug emu = attach(out, guest, IOEMU_VIF);
            String why = emu.log().stream().filter(l -> l.contains("emulated")).findFirst().orElse("(no reason)");
            checks.add(new Check("a type=ioemu vif is refused", !emu.accepted(), emu.accepted() ? "accepted" : why));
            checks.add(new Check("the guest is unchanged by the refusal", guest.nics().size() == nics
                    && guest.deviceModel().nics().size() == cards, guest.nics().size() + " NICs, "
                    + guest.deviceModel().nics().size() + " emulated card(s) in the device model"));
            out.println();
            guest.interfaceTable().forEach(out::println);
            out.println();
            guest.shutdown();
        }
        return ScenarioResult.of("A running guest takes a hot-plugged PV vif (netfront probes it and it comes up as "
                + "eth1), but a type=ioemu vif is refused before anything is changed: the device model cannot add "
                + "an emulated NIC to a running guest, so to get one the guest must be re-created.", checks);
    }

    private static BootedGuest.Hotplug attach(PrintWriter out, BootedGuest guest, String spec) {
        out.println("$ xl network-attach " + guest.domid() + " " + spec);
        BootedGuest.Hotplug h = guest.hotplugVif(spec);
        h.log().forEach(l -> out.println("  | " + l));
        out.println("  " + (h.accepted() ? "accepted" : "refused"));
        return h;
    }
}
