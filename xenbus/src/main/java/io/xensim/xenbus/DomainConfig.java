package io.xensim.xenbus;

import io.xensim.xenbus.grant.GrantTable;
import io.xensim.xenbus.memory.Layouts;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What the hypervisor needs to create a domain.
 *
 * @param domid          the domain id (0 is the control domain)
 * @param name           a human name, as in xl's {@code name=}
 * @param memoryFrames   guest memory in 4 KiB frames
 * @param memoryFile     a file to map as guest memory (so another process can attach), or null for anonymous
 * @param maxGrantFrames the grant table's maximum size in frames (xl's {@code max_grant_frames})
 */
public record DomainConfig(int domid, String name, long memoryFrames, Path memoryFile, int maxGrantFrames) {
    public DomainConfig {
        if (!Domid.isRegular(domid)) {
            throw new IllegalArgumentException("domid: " + domid + " (expected: 0.." + (Domid.DOMID_FIRST_RESERVED - 1)
                    + ")");
        }
        Objects.requireNonNull(name, "name");
        if (memoryFrames < 1) {
            throw new IllegalArgumentException("memoryFrames: " + memoryFrames + " (expected: >= 1)");
        }
        if (maxGrantFrames < 1) {
            throw new IllegalArgumentException("maxGrantFrames: " + maxGrantFrames + " (expected: >= 1)");
        }
    }

    /** A domain with {@code memoryMiB} MiB of anonymous memory and Xen's default grant-table size. */
    public static DomainConfig of(int domid, String name, long memoryMiB) {
        return new DomainConfig(domid, name, memoryMiB * (1 << 20) / Layouts.XEN_PAGE_SIZE, null,
                GrantTable.DEFAULT_MAX_FRAMES);
    }

    public DomainConfig withMemoryFile(Path file) {
        return new DomainConfig(domid, name, memoryFrames, file, maxGrantFrames);
    }

    public DomainConfig withMaxGrantFrames(int frames) {
        return new DomainConfig(domid, name, memoryFrames, memoryFile, frames);
    }
}
