package io.xensim.hvm.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class XenDetectTest {
    @Test
    void findsXenAtTheFirstBaseAndReadsItsLeaves() {
        var detect = new XenDetect();
        var host = detect.detect(XenCpuid.hvm(XenVersion.XEN_4_17, 3)).orElseThrow();
        assertThat(host).isEqualTo(new XenHost(0x40000000, 0x40000005, XenVersion.XEN_4_17, 1, 0x40000000,
                XenCpuid.DEFAULT_HVM_FEATURES, 0, 3));
        assertThat(detect.log()).extracting(KernelLogLine::text).containsExactly("Hypervisor detected: Xen HVM", "Xen version 4.17.");
    }

    @Test
    void scansIn0x100StepsPastViridian() {
        var cpu = XenCpuid.hvm(XenVersion.XEN_4_17, 3).withViridian();
        assertThat(XenDetect.xenCpuidBase(cpu)).isEqualTo(0x40000100);
        assertThat(new XenDetect().detect(cpu).orElseThrow().hypercallMsr()).isEqualTo(0x40000200);
        assertThat(cpu.exits()).as("twice the scan of 0x40000000 and 0x40000100, then base+0, 1, 2 and 4")
                .isEqualTo(2 + 2 + 4);
    }

    @Test
    void noXenOnBareMetalOrAnotherHypervisor() {
        var detect = new XenDetect();
        assertThat(detect.detect(Cpuid.BARE_METAL)).isEmpty();
        Cpuid kvm = (leaf, sub) -> leaf == 0x40000000 ? new CpuidLeaf(0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d)
                : CpuidLeaf.ZERO;   // "KVMKVMKVM\0\0\0"
        assertThat(detect.detect(kvm)).isEmpty();
        assertThat(detect.log()).isEmpty();
    }

    @Test
    void aXenSignatureWithTooFewLeavesIsNotXen() {
        Cpuid shortXen = (leaf, sub) -> leaf == 0x40000000
                ? new CpuidLeaf(0x40000001, XenCpuid.XEN_CPUID_SIGNATURE_EBX, XenCpuid.XEN_CPUID_SIGNATURE_ECX,
                        XenCpuid.XEN_CPUID_SIGNATURE_EDX)
                : CpuidLeaf.ZERO;
        assertThat(XenDetect.xenCpuidBase(shortXen)).isZero();
    }

    @Test
    void absentIdsAreMinusOne() {
        Cpuid noIds = (leaf, sub) -> {
            var xen = XenCpuid.hvm(XenVersion.XEN_4_17, 3).cpuid(leaf, sub);
            return leaf == 0x40000004 ? new CpuidLeaf(XenCpuid.XEN_HVM_CPUID_IOMMU_MAPPINGS, 9, 9, 0) : xen;
        };
        var host = new XenDetect().detect(noIds).orElseThrow();
        assertThat(host.vcpuId()).isEqualTo(-1);
        assertThat(host.domid()).isEqualTo(-1);
        assertThat(host.has(XenCpuid.XEN_HVM_CPUID_IOMMU_MAPPINGS)).isTrue();
    }
}
