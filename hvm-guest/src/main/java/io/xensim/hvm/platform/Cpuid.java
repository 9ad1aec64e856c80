package io.xensim.hvm.platform;

/**
 * What the guest's {@code cpuid} instruction answers for a leaf and sub-leaf. In an HVM guest every {@code cpuid}
 * exits to the hypervisor, which answers from the domain's CPU policy; {@link XenCpuid} is Xen's answer, and
 * {@link #BARE_METAL} a machine with no hypervisor leaves at all (what a guest sees when it is not on Xen).
 *
 * <p><b>Threading:</b> called on the guest vCPU's thread.
 */
@FunctionalInterface
public interface Cpuid {
    CpuidLeaf cpuid(int leaf, int subleaf);

    /** No hypervisor: every hypervisor-range leaf reads as zeros. */
    Cpuid BARE_METAL = (leaf, subleaf) -> CpuidLeaf.ZERO;
}
