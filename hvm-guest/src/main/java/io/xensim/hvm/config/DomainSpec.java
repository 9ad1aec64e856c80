package io.xensim.hvm.config;

import java.util.List;
import java.util.Objects;

/**
 * A domain as the config describes it, with libxl's defaults filled in: its name, type, memory (MiB; 32 when
 * unset, {@code libxl__domain_build_info_setdefault}), vCPUs (1), whether the Xen platform PCI device is present
 * ({@code xen_platform_pci}, on by default), the guest kernel's command line ({@code cmdline=}, or
 * {@code root=}/{@code extra=}; empty when none), its vifs and disks, and the toolstack dialect that read it.
 */
public record DomainSpec(String name, DomainType type, long memoryMib, int vcpus, boolean xenPlatformPci,
                         String cmdline, List<VifSpec> vifs, List<DiskSpec> disks, ToolstackDialect toolstack) {
    /** libxl's default memory when the config sets none. */
    public static final long DEFAULT_MEMORY_MIB = 32;

    public DomainSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(cmdline, "cmdline");
        Objects.requireNonNull(toolstack, "toolstack");
        vifs = List.copyOf(vifs);
        disks = List.copyOf(disks);
        if (vcpus < 1) {
            throw new IllegalArgumentException("vcpus: " + vcpus + " (expected: >= 1)");
        }
    }
}
