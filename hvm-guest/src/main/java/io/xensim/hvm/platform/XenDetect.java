package io.xensim.hvm.platform;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a Linux HVM guest finds Xen: it scans the hypervisor CPUID range in 0x100 steps for a base leaf whose
 * signature is "XenVMMXenVMM" and that has at least two leaves above it; then reads the version leaf (and prints
 * "Xen version 4.17."), the hypercall leaf, and the HVM feature leaf. No base found means no Xen: the guest runs
 * as on bare metal and no PV driver ever loads.
 *
 * <p><b>Threading:</b> the guest vCPU's thread.
 *
 * <p><b>Reference:</b> Linux 6.1 {@code arch/x86/include/asm/xen/hypervisor.h} {@code xen_cpuid_base} (the
 * signature and the minimum of 2 leaves), {@code arch/x86/include/asm/processor.h} {@code hypervisor_cpuid_base}
 * (0x40000000 up to 0x40010000 in 0x100 steps, {@code eax - base >= leaves}), {@code arch/x86/kernel/cpu/hypervisor.c}
 * ("Hypervisor detected: %s") and {@code arch/x86/xen/enlighten_hvm.c} {@code init_hvm_pv_info}.
 */
public final class XenDetect {
    public static final String XEN_SIGNATURE = "XenVMMXenVMM";
    /** Leaves above the base Linux requires ({@code hypervisor_cpuid_base(..., 2)}). */
    public static final int REQUIRED_LEAVES = 2;
    private static final int SCAN_START = 0x40000000;
    private static final int SCAN_END = 0x40010000;
    private static final int SCAN_STEP = 0x100;

    private final List<KernelLogLine> log = new ArrayList<>();

    /** Linux's {@code xen_cpuid_base}: the base of the Xen leaves, or 0 if this is not Xen. */
    public static int xenCpuidBase(Cpuid cpu) {
        for (int base = SCAN_START; base < SCAN_END; base += SCAN_STEP) {
            CpuidLeaf leaf = cpu.cpuid(base, 0);
            if (leaf.signature().equals(XEN_SIGNATURE)
                    && Integer.compareUnsigned(leaf.eax() - base, REQUIRED_LEAVES) >= 0) {
                return base;
            }
        }
        return 0;
    }

    /** Finds Xen and reads its leaves, logging as the kernel does; empty on a machine without Xen. */
    public Optional<XenHost> detect(Cpuid cpu) {
        int base = xenCpuidBase(cpu);
        if (base == 0) {
            return Optional.empty();
        }
        log.add(KernelLogLine.info("Hypervisor detected: Xen HVM"));
        int maxLeaf = cpu.cpuid(base, 0).eax();
        int versionEax = cpu.cpuid(base + 1, 0).eax();
        var version = new XenVersion(versionEax >>> 16, versionEax & 0xffff);
        log.add(KernelLogLine.info("Xen version " + version + "."));
        CpuidLeaf hypercall = cpu.cpuid(base + 2, 0);
        // init_hvm_pv_info reads the HVM leaf without checking the largest leaf: an absent one reads as zeros.
        CpuidLeaf hvm = cpu.cpuid(base + 4, 0);
        int features = hvm.eax();
        int vcpuId = (features & XenCpuid.XEN_HVM_CPUID_VCPU_ID_PRESENT) != 0 ? hvm.ebx() : -1;
        int domid = (features & XenCpuid.XEN_HVM_CPUID_DOMID_PRESENT) != 0 ? hvm.ecx() : -1;
        return Optional.of(new XenHost(base, maxLeaf, version, hypercall.eax(), hypercall.ebx(), features, vcpuId,
                domid));
    }

    /** The kernel lines printed so far. */
    public List<KernelLogLine> log() {
        return List.copyOf(log);
    }
}
