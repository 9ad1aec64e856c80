package io.xensim.hvm.boot;

import io.xensim.hvm.config.DiskSpec;
import io.xensim.hvm.config.VifSpec;
import io.xensim.hvm.platform.EmulatedDevices;
import java.io.IOException;
import java.util.List;

/**
 * An HVM guest's device model (the QEMU libxl starts for it) as the boot sees it: it creates the emulated twins of
 * the config's vifs and disks before the guest runs, answers the platform device's unplug requests (as an
 * {@link EmulatedDevices}), and lets them go when the domain is destroyed.
 *
 * <p><b>Threading:</b> the guest vCPU's thread, where the device model serves the guest's I/O.
 */
public interface DeviceModel extends EmulatedDevices, AutoCloseable {
    /** The emulated NIC of {@code vif} (a {@code type=ioemu} vif), plugged into the machine's PCI bus and bridge. */
    EmulatedNic addNic(VifSpec vif);

    /**
     * The IDE drive {@code ideIndex} over {@code disk}'s target.
     *
     * @throws IOException when the image cannot be opened (QEMU then fails to start, and so does the domain)
     */
    EmulatedDisk addDisk(DiskSpec disk, int ideIndex) throws IOException;

    /**
     * Every device is added: the machine is complete (QEMU's machine-init-done), before the guest's firmware runs.
     * A model whose controllers take all their drives at once installs them here.
     */
    default void realize() {
    }

    List<EmulatedNic> nics();

    List<EmulatedDisk> disks();

    /** The domain is going away: the taps leave their bridges and the images are closed. */
    @Override
    void close();
}
