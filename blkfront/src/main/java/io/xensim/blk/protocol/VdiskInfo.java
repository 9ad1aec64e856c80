package io.xensim.blk.protocol;

/** The bits of the backend's {@code info} key ({@code VDISK_*}, xen/io/blkif.h). */
public final class VdiskInfo {
    /** {@code VDISK_CDROM}. */
    public static final int VDISK_CDROM = 0x1;
    /** {@code VDISK_REMOVABLE}. */
    public static final int VDISK_REMOVABLE = 0x2;
    /** {@code VDISK_READONLY}. */
    public static final int VDISK_READONLY = 0x4;

    private VdiskInfo() {
    }
}
