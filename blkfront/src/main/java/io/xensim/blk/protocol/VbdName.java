package io.xensim.blk.protocol;

import io.xensim.xenbus.Decoded;
import java.util.Objects;

/**
 * A virtual disk's name as a domain config gives it ({@code xvda}, {@code xvdb2}, {@code hdc}, {@code sda1},
 * {@code d536p37}) and the number xenstore carries for it: the frontend's {@code virtual-device} key and the
 * device id of both vbd directories. The encoding is xen-vbd-interface(7)'s:
 * <pre>
 *   1 &lt;&lt; 28 | disk &lt;&lt; 8 | partition        xvd, disk or partition above 15 (disk &lt; 2^20, partition &lt; 256)
 * 202 &lt;&lt; 8  | disk &lt;&lt; 4 | partition        xvd, disk and partition up to 15
 *   8 &lt;&lt; 8  | disk &lt;&lt; 4 | partition        sd,  disk and partition up to 15
 *   3 &lt;&lt; 8  | disk &lt;&lt; 6 | partition        hd,  disks 0..1, partitions 0..63
 *  22 &lt;&lt; 8  | (disk - 2) &lt;&lt; 6 | partition  hd,  disks 2..3, partitions 0..63
 * </pre>
 * Disk letters count in bijective base 26 ({@code a} = 0, {@code z} = 25, {@code aa} = 26, {@code tq} = 536);
 * a trailing decimal is the partition (none is 0, the whole disk). The {@code d<disk>p<part>} form names a Xen
 * virtual disk.
 *
 * <p>{@link #parse} is for configuration the toolstack was handed (an {@link IllegalArgumentException} naming the
 * name and what was expected); {@link #decode} is for a number read from xenstore (a {@link Decoded} value).
 *
 * <p><b>Reference:</b> xen-vbd-interface(7); libxl_utils/libxl_device.c ({@code libxl__device_disk_dev_number}).
 *
 * @param kind      the nominal disk type
 * @param disk      the disk number, from 0
 * @param partition the partition number, 0 for the whole disk
 */
public record VbdName(Kind kind, int disk, int partition) {
    /** The nominal disk types of xen-vbd-interface(7), by their name prefix. */
    public enum Kind {
        /** Xen virtual disk: the default. */
        XVD("xvd"),
        /** SCSI disk. */
        SD("sd"),
        /** IDE (or AHCI) disk. */
        HD("hd");

        private final String prefix;

        Kind(String prefix) {
            this.prefix = prefix;
        }

        public String prefix() {
            return prefix;
        }
    }

    /** {@code 202}: the xvd major of the compact form. */
    public static final int XVD_MAJOR = 202;
    /** {@code 8}: the sd major. */
    public static final int SD_MAJOR = 8;
    /** {@code 3}: the major of IDE disks 0 and 1. */
    public static final int HD_MAJOR_0 = 3;
    /** {@code 22}: the major of IDE disks 2 and 3. */
    public static final int HD_MAJOR_1 = 22;
    /** {@code 1 << 28}: the extended xvd form. */
    public static final int XVD_EXTENDED = 1 << 28;
    /** Disks the extended form can number: {@code (1 << 20) - 1} is the last. */
    public static final int XVD_EXTENDED_MAX_DISK = (1 << 20) - 1;
    /** Partitions the extended form can number. */
    public static final int XVD_EXTENDED_MAX_PARTITION = 255;

    public VbdName {
        Objects.requireNonNull(kind, "kind");
        int maxDisk = switch (kind) {
            case XVD -> XVD_EXTENDED_MAX_DISK;
            case SD -> 15;
            case HD -> 3;
        };
        int maxPartition = switch (kind) {
            case XVD -> XVD_EXTENDED_MAX_PARTITION;
            case SD -> 15;
            case HD -> 63;
        };
        if (disk < 0 || disk > maxDisk) {
            throw new IllegalArgumentException("disk: " + disk + " (expected: 0.." + maxDisk + " for "
                    + kind.prefix() + ")");
        }
        if (partition < 0 || partition > maxPartition) {
            throw new IllegalArgumentException("partition: " + partition + " (expected: 0.." + maxPartition
                    + " for " + kind.prefix() + ")");
        }
    }

    /**
     * Parses a disk name of a domain config: {@code xvd<letters>[<partition>]}, {@code sd…}, {@code hd…} or
     * {@code d<disk>[p<partition>]}.
     *
     * @throws IllegalArgumentException naming {@code name} and the expected forms
     */
    public static VbdName parse(String name) {
        Objects.requireNonNull(name, "name");
        if (name.length() > 1 && name.charAt(0) == 'd' && isAsciiDigit(name.charAt(1))) {
            return parseNumbered(name);
        }
        for (Kind kind : new Kind[] {Kind.XVD, Kind.SD, Kind.HD}) {
            if (name.startsWith(kind.prefix())) {
                return parseLettered(name, kind);
            }
        }
        throw bad(name, "a name starting with xvd, sd or hd, or d<disk>p<partition>");
    }

    /** {@link #parse} then {@link #vdev()}: the {@code virtual-device} number of a config name (xvda: 51712). */
    public static int vdevOf(String name) {
        return parse(name).vdev();
    }

    /** The {@code virtual-device} number. */
    public int vdev() {
        return switch (kind) {
            case XVD -> disk <= 15 && partition <= 15
                    ? XVD_MAJOR << 8 | disk << 4 | partition
                    : XVD_EXTENDED | disk << 8 | partition;
            case SD -> SD_MAJOR << 8 | disk << 4 | partition;
            case HD -> disk < 2 ? HD_MAJOR_0 << 8 | disk << 6 | partition
                    : HD_MAJOR_1 << 8 | (disk - 2) << 6 | partition;
        };
    }

    /**
     * Decodes a {@code virtual-device} number; the deprecated and reserved values (any other below {@code 1 << 28},
     * and {@code 2 << 28} onwards) are malformed, as is an extended number that the compact form could carry.
     */
    public static Decoded<VbdName> decode(long vdev) {
        if (vdev < 0 || vdev >= 2L << 28) {
            return Decoded.malformed("virtual-device: " + vdev + " (expected: below " + (2L << 28)
                    + "; 2 << 28 onwards is reserved)");
        }
        int v = (int) vdev;
        if ((v & XVD_EXTENDED) != 0) {
            int disk = (v >>> 8) & XVD_EXTENDED_MAX_DISK;
            int partition = v & 0xff;
            if (disk <= 15 && partition <= 15) {
                return Decoded.malformed("virtual-device: " + vdev + " (xvd disk " + disk + " partition "
                        + partition + " has the compact form " + (XVD_MAJOR << 8 | disk << 4 | partition) + ")");
            }
            return Decoded.ok(new VbdName(Kind.XVD, disk, partition));
        }
        int major = v >>> 8;
        int minor = v & 0xff;
        return switch (major) {
            case XVD_MAJOR -> Decoded.ok(new VbdName(Kind.XVD, minor >>> 4, minor & 0xf));
            case SD_MAJOR -> Decoded.ok(new VbdName(Kind.SD, minor >>> 4, minor & 0xf));
            case HD_MAJOR_0, HD_MAJOR_1 -> {
                int disk = (major == HD_MAJOR_0 ? 0 : 2) + (minor >>> 6);
                yield disk > (major == HD_MAJOR_0 ? 1 : 3)
                        ? Decoded.malformed("virtual-device: " + vdev + " (hd disk " + disk + " under major " + major
                                + ": deprecated Linux-specific encoding)")
                        : Decoded.ok(new VbdName(Kind.HD, disk, minor & 0x3f));
            }
            default -> Decoded.malformed("virtual-device: " + vdev + " (major " + major
                    + " is not xvd (202), sd (8) or hd (3, 22); deprecated or reserved)");
        };
    }

    /** The canonical config name: {@code xvda}, {@code xvdtq37}, {@code hdc2}; a partition of 0 is not written. */
    public String name() {
        return kind.prefix() + letters(disk) + (partition == 0 ? "" : Integer.toString(partition));
    }

    @Override
    public String toString() {
        return name();
    }

    /** Bijective base 26: 0 is "a", 25 "z", 26 "aa". */
    static String letters(int disk) {
        StringBuilder out = new StringBuilder();
        int n = disk + 1;
        while (n > 0) {
            n--;
            out.append((char) ('a' + n % 26));
            n /= 26;
        }
        return out.reverse().toString();
    }

    private static VbdName parseLettered(String name, Kind kind) {
        int i = kind.prefix().length();
        long disk = 0;
        int start = i;
        while (i < name.length() && name.charAt(i) >= 'a' && name.charAt(i) <= 'z') {
            disk = disk * 26 + (name.charAt(i) - 'a' + 1);
            if (disk > XVD_EXTENDED_MAX_DISK + 1L) {
                throw bad(name, "a disk number up to " + XVD_EXTENDED_MAX_DISK);
            }
            i++;
        }
        if (i == start) {
            throw bad(name, "disk letters after " + kind.prefix());
        }
        int partition = 0;
        if (i < name.length()) {
            partition = decimal(name, name.substring(i));
        }
        return checked(name, kind, (int) disk - 1, partition);
    }

    private static VbdName parseNumbered(String name) {
        int p = name.indexOf('p');
        String diskText = p < 0 ? name.substring(1) : name.substring(1, p);
        int disk = decimal(name, diskText);
        int partition = p < 0 ? 0 : decimal(name, name.substring(p + 1));
        return checked(name, Kind.XVD, disk, partition);
    }

    private static VbdName checked(String name, Kind kind, int disk, int partition) {
        try {
            return new VbdName(kind, disk, partition);
        } catch (IllegalArgumentException e) {
            throw bad(name, e.getMessage());
        }
    }

    /** ASCII decimal without sign or leading zeros (other than "0"), as a partition or disk number is written. */
    private static int decimal(String name, String text) {
        if (text.isEmpty() || text.length() > 7 || (text.length() > 1 && text.charAt(0) == '0')) {
            throw bad(name, "a decimal number, not \"" + text + "\"");
        }
        int v = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isAsciiDigit(c)) {
                throw bad(name, "a decimal number, not \"" + text + "\"");
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static IllegalArgumentException bad(String name, String expected) {
        return new IllegalArgumentException("disk name: \"" + name + "\" (expected: " + expected + ")");
    }
}
