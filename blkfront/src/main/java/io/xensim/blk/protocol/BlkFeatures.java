package io.xensim.blk.protocol;

/**
 * The xenstore keys of a vbd (xen/io/blkif.h): the backend's directory
 * ({@code /local/domain/<backid>/backend/vbd/<frontid>/<devid>/}) and the frontend's
 * ({@code /local/domain/<frontid>/device/vbd/<devid>/}). Values are decimal strings unless noted; booleans are
 * {@code "0"}/{@code "1"}; an absent key has the default blkif.h gives.
 */
public final class BlkFeatures {

    // ---- Backend directory: written by the toolstack / hotplug script (private to the backend side) ----

    /** "r" or "w": the access granted to the frontend. */
    public static final String MODE = "mode";
    /** Free-form target for the hotplug script (the xl disk target). */
    public static final String PARAMS = "params";
    /** "file", "phy" or "tap". */
    public static final String TYPE = "type";
    /** "MAJOR:MINOR" of the backing device (Linux, NetBSD). */
    public static final String PHYSICAL_DEVICE = "physical-device";
    /** Absolute path of the backing device or image. */
    public static final String PHYSICAL_DEVICE_PATH = "physical-device-path";
    /** "1": O_DIRECT is safe on the backing store; default 0. */
    public static final String DIRECT_IO_SAFE = "direct-io-safe";
    /** "0": do not offer discard; default 1. */
    public static final String DISCARD_ENABLE = "discard-enable";

    // ---- Backend directory: written by blkback ----

    /** "1": accepts {@code BLKIF_OP_WRITE_BARRIER}; default 0. */
    public static final String FEATURE_BARRIER = "feature-barrier";
    /** "1": accepts {@code BLKIF_OP_FLUSH_DISKCACHE}; default 0. */
    public static final String FEATURE_FLUSH_CACHE = "feature-flush-cache";
    /** "1": accepts {@code BLKIF_OP_DISCARD}; default 0. */
    public static final String FEATURE_DISCARD = "feature-discard";
    /** Bytes per discardable extent; default sector-size. */
    public static final String DISCARD_GRANULARITY = "discard-granularity";
    /** Byte offset of the first discardable extent; default 0. */
    public static final String DISCARD_ALIGNMENT = "discard-alignment";
    /** "1": honours {@code BLKIF_DISCARD_SECURE}; default 0. */
    public static final String DISCARD_SECURE = "discard-secure";
    /** "1": keeps grants mapped across requests (persistent grants); default 0. Also a frontend key. */
    public static final String FEATURE_PERSISTENT = "feature-persistent";
    /** The most segments in one indirect request; present only if {@code BLKIF_OP_INDIRECT} is supported. */
    public static final String FEATURE_MAX_INDIRECT_SEGMENTS = "feature-max-indirect-segments";
    /** The largest ring the backend maps, as log2(pages); default 0. */
    public static final String MAX_RING_PAGE_ORDER = "max-ring-page-order";
    /** Deprecated: the largest ring in pages (a power of two); default 1. */
    public static final String MAX_RING_PAGES = "max-ring-pages";
    /** The most queues (rings) the backend supports; absent means one. */
    public static final String MULTI_QUEUE_MAX_QUEUES = "multi-queue-max-queues";
    /** Disk size in 512-byte sectors (Linux blkback; the 4.17 header says sector-size units, see PROTOCOLS.md). */
    public static final String SECTORS = "sectors";
    /** Logical block size in bytes, a power of two >= 512. */
    public static final String SECTOR_SIZE = "sector-size";
    /** Physical block size in bytes, a multiple of sector-size; default sector-size. */
    public static final String PHYSICAL_SECTOR_SIZE = "physical-sector-size";
    /** Bitmap of {@link VdiskInfo} {@code VDISK_*} bits. */
    public static final String INFO = "info";

    // ---- Frontend directory: written by blkfront ----

    /** Grant ref of a one-page ring (not written for a multi-page ring; see {@link #ringRef(int)}). */
    public static final String RING_REF = "ring-ref";
    /** The ring size as log2(pages); default 0. Linux blkfront writes it only for multi-page rings. */
    public static final String RING_PAGE_ORDER = "ring-page-order";
    /** Deprecated ring size in pages (a power of two); default 1. */
    public static final String NUM_RING_PAGES = "num-ring-pages";
    /** The ring's event channel port. */
    public static final String EVENT_CHANNEL = "event-channel";
    /** The ABI of the ring structs: one of the {@code XEN_IO_PROTO_ABI_*} values; default native. */
    public static final String PROTOCOL = "protocol";
    /** Number of queues wanted; with 2 or more the ring and event-channel keys move to queue-N/. */
    public static final String MULTI_QUEUE_NUM_QUEUES = "multi-queue-num-queues";
    /** Deprecated "1": the frontend honours a non-512 sector-size; Linux blkfront never writes it. */
    public static final String FEATURE_LARGE_SECTOR_SIZE = "feature-large-sector-size";

    // ---- Frontend directory: written by the toolstack ----

    /** "0": the frontend should not trust the backend; default 1. */
    public static final String TRUSTED = "trusted";
    /** "disk", "cdrom", "floppy", ... */
    public static final String DEVICE_TYPE = "device-type";
    /** The vdev number (xen-vbd-interface(7) encoding). */
    public static final String VIRTUAL_DEVICE = "virtual-device";

    // ---- Values of PROTOCOL (xen/io/protocols.h) ----

    /** {@code XEN_IO_PROTO_ABI_X86_32}. */
    public static final String XEN_IO_PROTO_ABI_X86_32 = "x86_32-abi";
    /** {@code XEN_IO_PROTO_ABI_X86_64}: the only layout xensim implements. */
    public static final String XEN_IO_PROTO_ABI_X86_64 = "x86_64-abi";
    /** {@code XEN_IO_PROTO_ABI_ARM}. */
    public static final String XEN_IO_PROTO_ABI_ARM = "arm-abi";
    /** {@code XEN_IO_PROTO_ABI_NATIVE} on x86_64. */
    public static final String XEN_IO_PROTO_ABI_NATIVE = XEN_IO_PROTO_ABI_X86_64;

    private BlkFeatures() {
    }

    /** {@code ring-ref%u}: the grant ref of page {@code i} of a multi-page ring. */
    public static String ringRef(int i) {
        if (i < 0) {
            throw new IllegalArgumentException("i: " + i + " (expected: >= 0)");
        }
        return RING_REF + i;
    }

    /** The sub-directory of queue {@code n} ({@code "queue-N"}), used when two or more queues are requested. */
    public static String queueDir(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n: " + n + " (expected: >= 0)");
        }
        return "queue-" + n;
    }
}
