package io.xensim.hvm.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testkit.HostTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class XenCpuidTest {
    final XenCpuid cpu = XenCpuid.hvm(XenVersion.XEN_4_17, 7);

    @Test
    void baseLeafHasTheSignatureAndTheLargestLeaf() {
        // xen/include/public/arch-x86/cpuid.h: XEN_CPUID_SIGNATURE_EBX/ECX/EDX, XEN_CPUID_MAX_NUM_LEAVES 5
        assertThat(cpu.cpuid(0x40000000, 0)).isEqualTo(new CpuidLeaf(0x40000005, 0x566e6558, 0x65584d4d, 0x4d4d566e));
        assertThat(cpu.cpuid(0x40000000, 0).signature()).isEqualTo("XenVMMXenVMM");
    }

    @Test
    void versionHypercallAndHvmLeaves() {
        assertThat(cpu.cpuid(0x40000001, 0)).isEqualTo(new CpuidLeaf(0x0004_0011, 0, 0, 0));
        assertThat(cpu.cpuid(0x40000002, 0)).as("one hypercall page, MSR 0x40000000")
                .isEqualTo(new CpuidLeaf(1, 0x40000000, 0, 0));
        // XEN_HVM_CPUID_IOMMU_MAPPINGS (1<<2) | VCPU_ID_PRESENT (1<<3) | DOMID_PRESENT (1<<4); ebx vcpu, ecx domid
        assertThat(cpu.cpuid(0x40000004, 0)).isEqualTo(new CpuidLeaf(0x1c, 0, 7, 0));
        assertThat(cpu.onVcpu(1).cpuid(0x40000004, 0).ebx()).isEqualTo(1);
        assertThat(cpu.cpuid(0x40000004, 1)).isEqualTo(CpuidLeaf.ZERO);
        assertThat(cpu.cpuid(0x40000005, 0)).as("PV only").isEqualTo(CpuidLeaf.ZERO);
        assertThat(cpu.cpuid(0x40000006, 0)).as("past the limit").isEqualTo(CpuidLeaf.ZERO);
        assertThat(cpu.cpuid(0x40000100, 0)).isEqualTo(CpuidLeaf.ZERO);
    }

    @Test
    void viridianMovesXenTo0x40000100() {
        var v = cpu.withViridian();
        assertThat(v.cpuid(0x40000000, 0).signature()).isEqualTo("Microsoft Hv");
        assertThat(v.cpuid(0x40000100, 0)).isEqualTo(new CpuidLeaf(0x40000105, 0x566e6558, 0x65584d4d, 0x4d4d566e));
        assertThat(v.cpuid(0x40000102, 0).ebx()).as("MSR base under viridian").isEqualTo(0x40000200);
    }

    @Test
    void everyCpuidIsAnExit() {
        cpu.cpuid(0x40000000, 0);
        cpu.cpuid(1, 0);
        assertThat(cpu.exits()).isEqualTo(2);
    }

    /** The constants against the installed public header, when libxen-dev is there. */
    @Test
    void constantsMatchTheInstalledHeader() throws IOException {
        Path header = Path.of("/usr/include/xen/arch-x86/cpuid.h");
        HostTools.require("libxen-dev", Files.isRegularFile(header) ? Optional.empty()
                : Optional.of(header + " missing"));
        Map<String, Long> defines = new HashMap<>();
        Matcher m = Pattern.compile("#define\\s+(XEN_\\w+)\\s+\\(?(0x[0-9a-fA-F]+|\\d+)(?:u\\s*<<\\s*(\\d+)\\))?")
                .matcher(Files.readString(header));
        while (m.find()) {
            long v = Long.decode(m.group(2));
            defines.put(m.group(1), m.group(3) == null ? v : v << Integer.parseInt(m.group(3)));
        }
        assertThat(defines).containsEntry("XEN_CPUID_FIRST_LEAF", (long) XenCpuid.XEN_CPUID_FIRST_LEAF)
                .containsEntry("XEN_CPUID_SIGNATURE_EBX", (long) XenCpuid.XEN_CPUID_SIGNATURE_EBX)
                .containsEntry("XEN_CPUID_SIGNATURE_ECX", (long) XenCpuid.XEN_CPUID_SIGNATURE_ECX)
                .containsEntry("XEN_CPUID_SIGNATURE_EDX", (long) XenCpuid.XEN_CPUID_SIGNATURE_EDX)
                .containsEntry("XEN_CPUID_MAX_NUM_LEAVES", (long) XenCpuid.XEN_CPUID_MAX_NUM_LEAVES)
                .containsEntry("XEN_HVM_CPUID_APIC_ACCESS_VIRT", (long) XenCpuid.XEN_HVM_CPUID_APIC_ACCESS_VIRT)
                .containsEntry("XEN_HVM_CPUID_X2APIC_VIRT", (long) XenCpuid.XEN_HVM_CPUID_X2APIC_VIRT)
                .containsEntry("XEN_HVM_CPUID_IOMMU_MAPPINGS", (long) XenCpuid.XEN_HVM_CPUID_IOMMU_MAPPINGS)
                .containsEntry("XEN_HVM_CPUID_VCPU_ID_PRESENT", (long) XenCpuid.XEN_HVM_CPUID_VCPU_ID_PRESENT)
                .containsEntry("XEN_HVM_CPUID_DOMID_PRESENT", (long) XenCpuid.XEN_HVM_CPUID_DOMID_PRESENT)
                .containsEntry("XEN_HVM_CPUID_EXT_DEST_ID", (long) XenCpuid.XEN_HVM_CPUID_EXT_DEST_ID)
                .containsEntry("XEN_HVM_CPUID_UPCALL_VECTOR", (long) XenCpuid.XEN_HVM_CPUID_UPCALL_VECTOR);
    }
}
