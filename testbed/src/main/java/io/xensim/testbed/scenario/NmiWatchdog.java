package io.xensim.testbed.scenario;

import io.xensim.hvm.boot.BootOutcome;
import io.xensim.hvm.boot.HvmHost;
import io.xensim.hvm.cmdline.GuestProfile;
import io.xensim.hvm.config.ToolstackDialect;
import io.xensim.testbed.scenario.ScenarioResult.Check;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code nmi_watchdog=1} on the RHEL 6.0 PV-on-HVM guest: its kernel panics at boot, the domain crashes and xl
 * destroys it; the log says why. An upstream 6.1 guest boots with the same parameter.
 */
final class NmiWatchdog implements Scenario {
    @Override
    public String name() {
        return "nmi-watchdog";
    }

    @Override
    public String summary() {
        return "nmi_watchdog=1 panics the RHEL 6.0 guest at boot (non-zero exit, the log says why)";
    }

    @Override
    public ScenarioResult run(PrintWriter out) {
        List<Check> checks = new ArrayList<>();
        try (HvmHost host = SeedGuest.host()) {
            BootOutcome rhel = SeedGuest.boot(out, host, SeedGuest.config("mac=" + SeedGuest.MAC, "hda"),
                    "ro xen_pv_hvm=enable nmi_watchdog=1", GuestProfile.RHEL6_0, ToolstackDialect.XL);
            String panic = rhel.log().stream().filter(l -> l.startsWith("Kernel panic")).findFirst().orElse("");
            checks.add(new Check("rhel6.0 panics", rhel instanceof BootOutcome.Panicked && rhel.exitStatus() != 0
                    && !panic.isEmpty(), "exit " + rhel.exitStatus()
                    + (panic.isEmpty() ? ", no panic" : ", " + panic)));
            checks.add(new Check("the log says what to do", rhel.log().stream()
                    .anyMatch(l -> l.contains("remove nmi_watchdog=1")), rhel instanceof BootOutcome.Panicked p
                    ? p.cause() : "(no panic)"));
            checks.add(new Check("the domain is gone", host.toolstack().domain(1).isEmpty(),
                    host.toolstack().domain(1).isEmpty() ? "dom1 destroyed" : "dom1 still exists"));
        }
        try (HvmHost host = SeedGuest.host()) {
            BootOutcome linux = SeedGuest.boot(out, host, SeedGuest.config("mac=" + SeedGuest.MAC, "xvda"),
                    "ro nmi_watchdog=1", GuestProfile.LINUX, ToolstackDialect.XL);
            checks.add(new Check("linux 6.1 boots with it", linux instanceof BootOutcome.Booted,
                    "exit " + linux.exitStatus()));
            if (linux instanceof BootOutcome.Booted(var guest)) {
                guest.shutdown();
            }
        }
        return ScenarioResult.of("nmi_watchdog=1 crashes the RHEL 6.0 PV-on-HVM guest during boot: xl create "
                + "exits non-zero, the domain is destroyed, and the kernel's last lines say to remove "
                + "nmi_watchdog=1. An upstream Linux 6.1 guest boots with the same parameter.", checks);
    }
}
