package io.xensim.blk.image;

/**
 * How {@link Qcow2Image#create} lays out a new image: what {@code qemu-img create -f qcow2 -o
 * compat=...,cluster_size=...,preallocation=...} chooses. Refcounts are always 16 bits ({@code refcount_bits=16},
 * QEMU's default and the only width version 2 knows).
 *
 * @param version       2 ({@code compat=0.10}) or 3 ({@code compat=1.1}, QEMU's default)
 * @param clusterSize   a power of two from 512 B to 2 MiB (QEMU's default 64 KiB)
 * @param preallocation {@link Preallocation#OFF}, or {@link Preallocation#METADATA} to allocate every L2 table
 *                      and data cluster up front (the data clusters stay holes in the file)
 */
public record Qcow2Options(int version, int clusterSize, Preallocation preallocation) {
    /** {@code preallocation=off|metadata}. */
    public enum Preallocation {
        OFF,
        METADATA
    }

    /** QEMU's defaults: version 3, 64 KiB clusters, no preallocation. */
    public static final Qcow2Options DEFAULTS = new Qcow2Options(3, 65536, Preallocation.OFF);

    public Qcow2Options {
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("version: " + version + " (expected: 2 or 3)");
        }
        if (clusterSize < 512 || clusterSize > 2 << 20 || Integer.bitCount(clusterSize) != 1) {
            throw new IllegalArgumentException("clusterSize: " + clusterSize
                    + " (expected: a power of two from 512 to 2097152)");
        }
        if (preallocation == null) {
            throw new IllegalArgumentException("preallocation: null (expected: OFF or METADATA)");
        }
    }

    public Qcow2Options withVersion(int v) {
        return new Qcow2Options(v, clusterSize, preallocation);
    }

    public Qcow2Options withClusterSize(int bytes) {
        return new Qcow2Options(version, bytes, preallocation);
    }

    public Qcow2Options withPreallocation(Preallocation p) {
        return new Qcow2Options(version, clusterSize, p);
    }
}
