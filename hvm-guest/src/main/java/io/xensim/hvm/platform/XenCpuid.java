package io.xensim.hvm.platform;

/**
 * Xen's answers to an HVM guest's {@code cpuid} in the hypervisor range: the Xen leaves at 0x40000000, or at
 * 0x40000100 when the domain has viridian (Hyper-V) enlightenments, which then own 0x40000000 with their own
 * "Microsoft Hv" signature; everything else in the range reads as zeros.
 * <ul>
 * <li>base + 0: eax the largest Xen leaf (base + {@value #XEN_CPUID_MAX_NUM_LEAVES}), ebx/ecx/edx
 * "XenVMMXenVMM".</li>
 * <li>base + 1: eax {@code major << 16 | minor}.</li>
 * <li>base + 2: eax 1 hypercall page, ebx the MSR that installs it (0x40000000; 0x40000200 under viridian), no
 * PV-only features.</li>
 * <li>base + 3: the time leaf, all zeros here (default TSC mode, no frequency exposed).</li>
 * <li>base + 4, sub-leaf 0: the HVM features (by default: IOMMU mappings, vcpu id present, domain id present),
 * ebx the vcpu id, ecx the domain id.</li>
 * <li>base + 5: PV-only parameters, zeros for an HVM guest.</li>
 * </ul>
 *
 * <p>Each call is a VM exit and is counted ({@link #exits()}).
 *
 * <p><b>Threading:</b> the guest vCPU's thread (the counter is not shared).
 *
 * <p><b>Reference:</b> Xen 4.17 {@code xen/arch/x86/traps.c} {@code cpuid_hypervisor_leaves}, and
 * {@code xen/include/public/arch-x86/cpuid.h} for the layout and the constants.
 */
public final class XenCpuid implements Cpuid {
    public static final int XEN_CPUID_FIRST_LEAF = 0x40000000;
    /** "XenV". */
    public static final int XEN_CPUID_SIGNATURE_EBX = 0x566e6558;
    /** "MMXe". */
    public static final int XEN_CPUID_SIGNATURE_ECX = 0x65584d4d;
    /** "nVMM". */
    public static final int XEN_CPUID_SIGNATURE_EDX = 0x4d4d566e;
    public static final int XEN_CPUID_MAX_NUM_LEAVES = 5;

    public static final int XEN_HVM_CPUID_APIC_ACCESS_VIRT = 1 << 0;
    public static final int XEN_HVM_CPUID_X2APIC_VIRT = 1 << 1;
    public static final int XEN_HVM_CPUID_IOMMU_MAPPINGS = 1 << 2;
    public static final int XEN_HVM_CPUID_VCPU_ID_PRESENT = 1 << 3;
    public static final int XEN_HVM_CPUID_DOMID_PRESENT = 1 << 4;
    public static final int XEN_HVM_CPUID_EXT_DEST_ID = 1 << 5;
    public static final int XEN_HVM_CPUID_UPCALL_VECTOR = 1 << 6;

    /** What this model's leaf 4 advertises: what {@code cpuid_hypervisor_leaves} sets on any host. */
    public static final int DEFAULT_HVM_FEATURES =
            XEN_HVM_CPUID_IOMMU_MAPPINGS | XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT;

    /** Where the Xen leaves move to under viridian. */
    public static final int VIRIDIAN_XEN_BASE = 0x40000100;
    /** The Hyper-V leaves' largest leaf, as Xen's viridian code reports it. */
    public static final int VIRIDIAN_MAX_LEAF = 0x40000006;
    /** "Micr", "osof", "t Hv". */
    public static final int VIRIDIAN_SIGNATURE_EBX = 0x7263694d;
    public static final int VIRIDIAN_SIGNATURE_ECX = 0x666f736f;
    public static final int VIRIDIAN_SIGNATURE_EDX = 0x76482074;

    private static final int HYPERVISOR_RANGE_END = 0x40010000;

    private final XenVersion version;
    private final int domid;
    private final int vcpuId;
    private final boolean viridian;
    private final int hvmFeatures;
    private long exits;

    private XenCpuid(XenVersion version, int domid, int vcpuId, boolean viridian, int hvmFeatures) {
        this.version = version;
        this.domid = domid;
        this.vcpuId = vcpuId;
        this.viridian = viridian;
        this.hvmFeatures = hvmFeatures;
    }

    /** vCPU 0 of HVM domain {@code domid} on Xen {@code version}, without viridian. */
    public static XenCpuid hvm(XenVersion version, int domid) {
        return new XenCpuid(version, domid, 0, false, DEFAULT_HVM_FEATURES);
    }

    /** The same domain with viridian enlightenments on (xl's {@code viridian=1}). */
    public XenCpuid withViridian() {
        return new XenCpuid(version, domid, vcpuId, true, hvmFeatures);
    }

    /** The same domain as seen from another vCPU. */
    public XenCpuid onVcpu(int vcpu) {
        return new XenCpuid(version, domid, vcpu, viridian, hvmFeatures);
    }

    /** The base of the Xen leaves for this domain. */
    public int base() {
        return viridian ? VIRIDIAN_XEN_BASE : XEN_CPUID_FIRST_LEAF;
    }

    @Override
    public CpuidLeaf cpuid(int leaf, int subleaf) {
        exits++;
        if (viridian && leaf == XEN_CPUID_FIRST_LEAF) {
            return new CpuidLeaf(VIRIDIAN_MAX_LEAF, VIRIDIAN_SIGNATURE_EBX, VIRIDIAN_SIGNATURE_ECX,
                    VIRIDIAN_SIGNATURE_EDX);
        }
        if (Integer.compareUnsigned(leaf, base()) < 0 || Integer.compareUnsigned(leaf, HYPERVISOR_RANGE_END) >= 0) {
            return CpuidLeaf.ZERO;   // basic/extended leaves are not modelled; other hypervisor leaves are empty
        }
        int idx = leaf - base();
        return switch (idx) {
            case 0 -> new CpuidLeaf(base() + XEN_CPUID_MAX_NUM_LEAVES, XEN_CPUID_SIGNATURE_EBX,
                    XEN_CPUID_SIGNATURE_ECX, XEN_CPUID_SIGNATURE_EDX);
            case 1 -> new CpuidLeaf(version.eax(), 0, 0, 0);
            case 2 -> new CpuidLeaf(1, viridian ? 0x40000200 : XEN_CPUID_FIRST_LEAF, 0, 0);
            case 4 -> subleaf == 0 ? new CpuidLeaf(hvmFeatures, vcpuId, domid, 0) : CpuidLeaf.ZERO;
            default -> CpuidLeaf.ZERO;   // 3: time leaf (zeros here); 5: PV only; beyond: past the limit
        };
    }

    /** {@code cpuid} exits this vCPU's guest has taken. */
    public long exits() {
        return exits;
    }
}
