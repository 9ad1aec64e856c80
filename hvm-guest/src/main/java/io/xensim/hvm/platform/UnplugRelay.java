package io.xensim.hvm.platform;

import java.util.Objects;

/**
 * The platform device's unplug listener, created with the machine before the device model that will answer it
 * exists (the device model's NICs and drives plug into that machine's buses): {@link HvmMachine#create} takes
 * this, and {@link #connect} names the devices later.
 *
 * <p><b>Threading:</b> the guest vCPU's thread.
 */
public final class UnplugRelay implements EmulatedDevices {
    private EmulatedDevices target = EmulatedDevices.NONE;

    /** Points the relay at the device model once its NICs and drives are plugged in. */
    public void connect(EmulatedDevices devices) {
        this.target = Objects.requireNonNull(devices, "devices");
    }

    @Override
    public void unplugNics() {
        target.unplugNics();
    }

    @Override
    public void unplugIdeDisks() {
        target.unplugIdeDisks();
    }

    @Override
    public void unplugAuxIdeDisks() {
        target.unplugAuxIdeDisks();
    }

    @Override
    public void unplugNvme() {
        target.unplugNvme();
    }
}
