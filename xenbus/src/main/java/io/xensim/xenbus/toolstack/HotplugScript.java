package io.xensim.xenbus.toolstack;

import java.util.concurrent.CompletableFuture;

/**
 * A device hotplug script as libxl runs one from the backend's {@code script} key ({@code vif-bridge},
 * {@code block}): {@link #online} once the backend has reached InitWait, {@link #offline} once the device has been
 * removed. The toolstack records the outcome as the script's shell helpers do: {@code hotplug-status} =
 * {@code connected} on success; {@code hotplug-error} = the message and {@code hotplug-status} = {@code error} on
 * failure. The toolstack is generic; the script knows the device's world (a vif's bridge), so it lives with the
 * device type's backend ({@code io.xensim.net.back.VifHotplug}).
 *
 * <p><b>Threading:</b> both methods are called on dom0's executor; the future may complete on any thread.
 *
 * <p><b>Reference:</b> libxl_device.c {@code device_hotplug} (run after {@code libxl__wait_device_connection}
 * saw InitWait), tools/hotplug/Linux/xen-hotplug-common.sh ({@code success}, {@code fatal}).
 */
public interface HotplugScript {
    /** {@code script online}: attach the device; a failed future is the script's {@code fatal} message. */
    CompletableFuture<Void> online(DeviceConfig device);

    /** {@code script offline}: detach the device after its directories are gone. */
    default CompletableFuture<Void> offline(DeviceConfig device) {
        return CompletableFuture.completedFuture(null);
    }
}
