package io.xensim.hvm.boot;

import io.xensim.blk.guest.GuestBlockDevice;
import java.util.Objects;

/**
 * One block device the booted guest has: its name in the guest ({@code xvda}, or {@code sda} for an emulated IDE
 * disk under libata), the driver ({@code xen-blkfront} or {@code ata_piix}), the config's vdev, the image that
 * backs it, and the device scenarios read and write.
 *
 * <p><b>Threading:</b> immutable; {@link #device()} is used on the guest's executor.
 */
public record GuestDisk(String name, String driver, String vdev, String backing, GuestBlockDevice device) {
    public static final String BLKFRONT = "xen-blkfront";

    public GuestDisk {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(vdev, "vdev");
        Objects.requireNonNull(backing, "backing");
        Objects.requireNonNull(device, "device");
    }

    public boolean pv() {
        return driver.equals(BLKFRONT);
    }
}
