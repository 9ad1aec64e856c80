package io.xensim.hvm.platform;

import java.util.ArrayList;
import java.util.List;

/** An {@link EmulatedDevices} that records the calls it gets, in order. */
final class RecordingDevices implements EmulatedDevices {
    final List<String> calls = new ArrayList<>();

    @Override
    public void unplugNics() {
        calls.add("nics");
    }

    @Override
    public void unplugIdeDisks() {
        calls.add("ide");
    }

    @Override
    public void unplugAuxIdeDisks() {
        calls.add("aux-ide");
    }

    @Override
    public void unplugNvme() {
        calls.add("nvme");
    }
}
