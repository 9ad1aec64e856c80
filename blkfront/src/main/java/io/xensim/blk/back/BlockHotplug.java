package io.xensim.blk.back;

import io.xensim.blk.image.BlockImage;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.HotplugScript;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.trace.TraceEvent;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated {@code /etc/xen/scripts/block}: {@code online} opens the backend's {@code params} through the
 * {@link ImageOpener} (writable for {@code mode=w}), attaches it to a free loop device and writes {@code node},
 * {@code physical-device} ({@code "7:0"}, hex major:minor) and {@code physical-device-path} to the backend
 * directory, in that order; the toolstack then writes {@code hotplug-status = connected}. A failure (no such image,
 * the image's lock refused) is the script's {@code fatal}: the future fails with the message, which the toolstack
 * records as {@code hotplug-error}. {@code offline} detaches the loop device and closes the image.
 *
 * <p>A device whose earlier backend vanished without an {@code offline} (a driver domain restart,
 * {@link Toolstack#removeBackend}) still holds its loop device when its backend comes back: {@code online} detaches
 * that first, as the restarted domain starts without it.
 *
 * <p><b>Threading:</b> called on dom0's executor.
 *
 * <p><b>Reference:</b> tools/hotplug/Linux/block ({@code add}: the {@code file} case's {@code losetup} and
 * {@code xenstore_write "$XENBUS_PATH/node"}, then {@code write_dev}; {@code remove}: {@code losetup -d}) and
 * block-common.sh / xen-hotplug-common.sh ({@code success}, {@code fatal}).
 */
public final class BlockHotplug implements HotplugScript {
    private static final Logger log = LoggerFactory.getLogger(BlockHotplug.class);
    private final Toolstack toolstack;
    private final ImageOpener opener;
    private final LoopDevices loops;

    public BlockHotplug(Toolstack toolstack, ImageOpener opener, LoopDevices loops) {
        this.toolstack = Objects.requireNonNull(toolstack, "toolstack");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.loops = Objects.requireNonNull(loops, "loops");
    }

    @Override
    public CompletableFuture<Void> online(DeviceConfig device) {
        String params = device.backendKeys().get("params");
        if (params == null || params.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException("params for " + device.key()
                    + " is empty"));
        }
        boolean writable = device.backendKeys().getOrDefault("mode", "r").contains("w");
        try {
            if (loops.detach(device.key()) > 0) {
                trace(device, "released the loop device of an earlier backend of " + device.key());
            }
        } catch (IOException e) {
            log.warn("{}: closing the stale image failed: {}", device.key(), e.toString());
        }
        BlockImage image;
        try {
            image = opener.open(params, writable);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new IOException(params + ": " + e.getMessage(), e));
        }
        LoopDevices.Loop loop = loops.attach(device.key(), params, image);
        trace(device, "block add: " + params + " (" + (writable ? "w" : "r") + ") on " + loop.node()
                + ", physical-device " + loop.physicalDevice());
        String be = device.backendPath();
        var xs = toolstack.xs();
        return xs.write(be + "/node", loop.node())
                .thenCompose(v -> xs.write(be + "/physical-device", loop.physicalDevice()))
                .thenCompose(v -> xs.write(be + "/physical-device-path", loop.node()));
    }

    @Override
    public CompletableFuture<Void> offline(DeviceConfig device) {
        try {
            loops.detach(device.key());
            return CompletableFuture.completedFuture(null);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void trace(DeviceConfig device, String detail) {
        toolstack.hypervisor().trace(Toolstack.DOM0, device.key(), TraceEvent.Kind.INFO, detail);
    }
}
