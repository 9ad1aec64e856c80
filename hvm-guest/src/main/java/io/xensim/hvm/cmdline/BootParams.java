package io.xensim.hvm.cmdline;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a guest profile makes of a kernel command line: everything later boot steps need, decided before any
 * device is touched.
 *
 * <ul>
 *   <li>{@code xenSetup}: the kernel will run its Xen PV-on-HVM set-up (hypercall page, grant table, the platform
 *       PCI driver, the unplug step, xenbus). RHEL 6.0 needs {@code xen_pv_hvm=enable}; Linux 6.1 does it unless
 *       {@code nopv} or {@code xen_nopv} is given. Whether Xen is really there (CPUID leaves, the platform PCI
 *       device) is decided later, by {@code io.xensim.hvm.platform}.</li>
 *   <li>{@code unplug}: the accumulated {@code xen_emul_unplug=} request.</li>
 *   <li>{@code pvDrivers}: netfront's and blkfront's module parameters (queues, ring order).</li>
 *   <li>{@code failure}: present when the kernel cannot boot at all with this line.</li>
 *   <li>{@code log}: the lines the kernel prints while parsing its parameters, in order.</li>
 *   <li>{@code ignored}: parameters this model does not interpret (kept, as Linux keeps unknown ones for init
 *       or its other handlers).</li>
 * </ul>
 */
public record BootParams(GuestProfile profile, KernelCommandLine commandLine, boolean xenSetup, UnplugRequest unplug,
                         PvDriverParams pvDrivers, Optional<BootFailure> failure, List<String> log,
                         List<KernelParam> ignored) {
    public BootParams {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(commandLine, "commandLine");
        Objects.requireNonNull(unplug, "unplug");
        Objects.requireNonNull(pvDrivers, "pvDrivers");
        Objects.requireNonNull(failure, "failure");
        log = List.copyOf(log);
        ignored = List.copyOf(ignored);
    }

    public boolean boots() {
        return failure.isEmpty();
    }
}
