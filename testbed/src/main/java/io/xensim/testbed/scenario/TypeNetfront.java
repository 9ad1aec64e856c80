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
 * The seed's {@code type=netfront} vif: xend (xm) reads it as "PV only, no emulated NIC", so a guest without PV
 * drivers has no network; xl 4.17 does not know the value ({@code Invalid parameter `type'.}) and keeps its
 * default, {@code ioemu}: both an emulated card and a PV vif, the unplug deciding which one the guest uses.
 */
final class TypeNetfront implements Scenario {
    static final String INVALID = "Invalid parameter `type'.";

    @Override
    public String name() {
        return "type-netfront";
    }

    @Override
    public String summary() {
        return "the seed's type=netfront vif: PV only under xm, \"Invalid parameter `type'.\" and ioemu under xl";
    }

    @Override
    public ScenarioResult run(PrintWriter out) {
        String cfg = SeedGuest.config("type=netfront,mac=" + SeedGuest.MAC, "hda");
        List<Check> checks = new ArrayList<>();
        try (HvmHost host = SeedGuest.host()) {
            BootOutcome xm = SeedGuest.boot(out, host, cfg, PvOnHvm.WITHOUT, GuestProfile.RHEL6_0,
                    ToolstackDialect.XM);
            checks.add(nics("xm, no PV drivers: no emulated NIC, so no network", xm, "-", "NO NETWORK"));
        }
        try (HvmHost host = SeedGuest.host()) {
            BootOutcome xm = SeedGuest.boot(out, host, cfg, PvOnHvm.WITH, GuestProfile.RHEL6_0, ToolstackDialect.XM);
            checks.add(nics("xm, xen_pv_hvm=enable: netfront", xm, "eth0=xen-netfront", null));
        }
        try (HvmHost host = SeedGuest.host()) {
            BootOutcome xl = SeedGuest.boot(out, host, cfg, PvOnHvm.WITHOUT, GuestProfile.RHEL6_0,
                    ToolstackDialect.XL);
            checks.add(new Check("xl says", xl.log().contains(INVALID),
                    xl.log().stream().filter(l -> l.contains("type")).findFirst().orElse("(nothing about type)")));
            checks.add(nics("xl, no PV drivers: ioemu default, the emulated card stays", xl, "eth0=8139too", null));
        }
        try (HvmHost host = SeedGuest.host()) {
            BootOutcome xl = SeedGuest.boot(out, host, cfg, PvOnHvm.WITH, GuestProfile.RHEL6_0, ToolstackDialect.XL);
            checks.add(nics("xl, xen_pv_hvm=enable: the card is unplugged, netfront", xl, "eth0=xen-netfront",
                    null));
        }
        return ScenarioResult.of("type=netfront is xend's syntax. Under xm it means a PV-only vif: a guest without "
                + "PV drivers gets no NIC at all. xl 4.17 rejects the value (\"" + INVALID + "\") but still "
                + "creates the vif with its default type, ioemu, which gives the guest both an emulated RTL8139 and "
                + "a PV vif; the guest's unplug then decides: 8139too without xen_pv_hvm=enable, netfront with it.",
                checks);
    }

    /** The guest's NICs are {@code expected}; when {@code note} is given, a note contains it. */
    static Check nics(String what, BootOutcome outcome, String expected, String note) {
        if (!(outcome instanceof BootOutcome.Booted(BootedGuest guest))) {
            return new Check(what, false, "did not boot (exit " + outcome.exitStatus() + ")");
        }
        String seen = SeedGuest.nics(guest);
        boolean noted = note == null || guest.notes().stream().anyMatch(n -> n.contains(note));
        String observed = "nics " + seen + (note == null ? "" : noted ? ", note " + note : ", no note " + note);
        guest.shutdown();
        return new Check(what, seen.equals(expected) && noted, observed);
    }
}
