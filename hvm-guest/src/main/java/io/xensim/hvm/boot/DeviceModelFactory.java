package io.xensim.hvm.boot;

import io.xensim.hvm.platform.HvmMachine;
import io.xensim.xenbus.toolstack.ManagedDomain;

/**
 * Starts the device model of one HVM guest, as libxl spawns QEMU for it ({@code libxl__spawn_local_dm}).
 *
 * <p><b>Threading:</b> called on the guest vCPU's thread, before the guest's firmware runs.
 */
@FunctionalInterface
public interface DeviceModelFactory {
    DeviceModel start(HvmMachine machine, ManagedDomain guest, HvmHost host);
}
