package io.xensim.hvm.platform;

/**
 * What an HVM guest learnt about the Xen it runs on from the CPUID leaves: where the Xen leaves are, the largest
 * one, the version, the hypercall page count and MSR, and the HVM feature leaf (with the vcpu and domain ids when
 * their flags say they are present, else -1).
 *
 * <p><b>Threading:</b> immutable.
 */
public record XenHost(int base, int maxLeaf, XenVersion version, int hypercallPages, int hypercallMsr,
        int hvmFeatures, int vcpuId, int domid) {
    public boolean has(int xenHvmCpuidFlag) {
        return (hvmFeatures & xenHvmCpuidFlag) != 0;
    }
}
