package io.xensim.hvm.boot;

import io.xensim.hvm.platform.EmulatedDevices;
import java.util.Objects;

/**
 * The platform device's unplug listener, created with the machine before the device model that will answer it
 * exists (the device model's NICs and drives plug into that machine's buses).
 *
 * <p><b>Threading:</b> the guest vCPU's thread.
 */
final class UnplugRelay implements EmulatedDevices {
    private EmulatedDevices target = EmulatedDevices.NONE;

    void connect(EmulatedDevices devices) {
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
