package io.xensim.hvm.boot;

import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.hvm.config.DiskSpec;
import java.util.List;
import java.util.Optional;

/**
 * One emulated IDE drive the device model gave an HVM guest for a config disk numbered 0..3 (QEMU's
 * {@code -drive ...,if=ide,index=N} or {@code ide-cd}), with the guest's driver for it.
 *
 * <p><b>Threading:</b> the guest vCPU's thread.
 *
 * <p><b>Reference:</b> libxl_dm.c {@code libxl__build_device_model_args_new} (disks 0..3 become the IDE drives
 * hd[a-d] whatever their vdev prefix, except {@code sd*}; CD-ROMs become {@code ide-cd}).
 */
public interface EmulatedDisk {
    /** The config disk the drive stands for. */
    DiskSpec spec();

    /** The config's name for the disk ({@code hda}, {@code xvda}). */
    default String vdev() {
        return spec().vdev();
    }

    /** QEMU's IDE index: 0 primary master .. 3 secondary slave. */
    int ideIndex();

    /** libata's name for the drive's port: {@code ata1.00} (primary master) .. {@code ata2.01} (secondary slave). */
    default String ataPort() {
        return "ata" + (ideIndex() / 2 + 1) + "." + (ideIndex() % 2 == 0 ? "00" : "01");
    }

    default boolean cdrom() {
        return spec().cdrom();
    }

    /** The image the drive reads. */
    default String target() {
        return spec().target().orElse("");
    }

    /** False once the guest's unplug request detached the drive. */
    boolean plugged();

    /** The guest's ATA driver finds the drive and identifies it; empty when it is gone. */
    Optional<GuestBlockDevice> probeDriver(String name);

    /** What the guest's driver printed while probing the drive. */
    List<String> driverLog();
}
