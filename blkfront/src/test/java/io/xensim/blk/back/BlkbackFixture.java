package io.xensim.blk.back;

import io.xensim.blk.image.BlockImage;
import io.xensim.blk.image.MemoryImage;
import io.xensim.blk.protocol.VbdName;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.DiskConfig;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A BusFixture with blkback installed over in-memory images named by {@code params}, and guests each with a vbd
 * and a scripted frontend.
 */
final class BlkbackFixture implements AutoCloseable {
    static final int XVDA = VbdName.vdevOf("xvda");
    static final long SECTORS = 2048;

    final BusFixture fx = new BusFixture();
    final Map<String, MemoryImage> images = new HashMap<>();
    final Blkback blkback;

    BlkbackFixture() {
        this(BlkbackConfig.defaults());
    }

    BlkbackFixture(BlkbackConfig config) {
        this(config, true);
    }

    /** Without {@code hotplug} only the driver is installed: the test writes {@code physical-device} itself. */
    BlkbackFixture(BlkbackConfig config, boolean hotplug) {
        blkback = new Blkback(config, this::open);
        if (hotplug) {
            fx.toolstack.await(blkback.install(fx.toolstack));
        } else {
            fx.toolstack.await(fx.toolstack.dom0().backends().register(blkback.driver()));
        }
    }

    /** What the block script does, by hand: attaches the guest's image and writes the three keys. */
    LoopDevices.Loop attachByHand(int domid, String physicalDevice) {
        String params = "/images/dom" + domid + ".img";
        var image = fx.onDomain(fx.toolstack.dom0(), () -> {
            try {
                return open(params, true);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        var loop = blkback.loops().attach("vbd/" + domid + "/" + XVDA, params, image);
        String be = backend(domid);
        fx.toolstack.await(fx.toolstack.xs().write(be + "/node", loop.node()));
        fx.toolstack.await(fx.toolstack.xs().write(be + "/physical-device",
                physicalDevice != null ? physicalDevice : loop.physicalDevice()));
        fx.hv.runUntilIdle();
        return loop;
    }

    /** The test's image opener: one in-memory disk per params, opened read-only for {@code mode=r}. */
    private BlockImage open(String params, boolean writable) throws IOException {
        if (params.contains("missing")) {
            throw new IOException("No such file or directory");
        }
        MemoryImage disk = images.computeIfAbsent(params, p -> MemoryImage.create(p, SECTORS));
        return new OpenedImage(disk, writable, params.contains("4k") ? 4096 : BlockImage.SECTOR_SIZE);
    }

    /** One open of a disk: what the loop device holds; closing it leaves the disk's bytes for the next open. */
    static final class OpenedImage implements BlockImage {
        final MemoryImage disk;
        final boolean writable;
        final int sectorSize;
        final Runnable onClose;
        boolean closed;

        OpenedImage(MemoryImage disk, boolean writable, int sectorSize) {
            this(disk, writable, sectorSize, () -> { });
        }

        OpenedImage(MemoryImage disk, boolean writable, int sectorSize, Runnable onClose) {
            this.disk = disk;
            this.writable = writable;
            this.sectorSize = sectorSize;
            this.onClose = onClose;
        }

        @Override
        public int sectorSize() {
            return sectorSize;
        }

        @Override
        public int physicalSectorSize() {
            return sectorSize;
        }

        @Override
        public String name() {
            return disk.name();
        }

        @Override
        public long sectors() {
            return disk.sectors();
        }

        @Override
        public boolean writable() {
            return writable;
        }

        @Override
        public boolean discardable() {
            return writable;
        }

        @Override
        public void read(long offset, java.lang.foreign.MemorySegment dst) {
            check();
            disk.read(offset, dst);
        }

        @Override
        public void write(long offset, java.lang.foreign.MemorySegment src) {
            check();
            if (!writable) {
                throw new IllegalStateException(name() + " is open read-only");
            }
            disk.write(offset, src);
        }

        @Override
        public void flush() {
            check();
        }

        @Override
        public void discard(long offset, long length) {
            check();
            disk.discard(offset, length);
        }

        private void check() {
            if (closed) {
                throw new IllegalStateException(name() + " is closed");
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                onClose.run();
            }
        }
    }

    /** A guest {@code domid} with {@code disk} as its vbd, its frontend not yet connected. */
    ScriptedBlkfront guest(int domid, DiskConfig disk) {
        var g = fx.guest(domid);
        fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vbd(domid, 0, disk)));
        fx.hv.runUntilIdle();
        return new ScriptedBlkfront(fx, g, disk.devid());
    }

    /** A guest with a writable xvda over {@code /images/dom<domid>.img}. */
    ScriptedBlkfront guest(int domid) {
        return guest(domid, Blkback.disk("xvda", "/images/dom" + domid + ".img"));
    }

    BlkbackDevice device(int domid) {
        return Blkback.device(fx.toolstack, domid, XVDA).orElseThrow();
    }

    MemoryImage image(int domid) {
        return images.get("/images/dom" + domid + ".img");
    }

    String backend(int domid) {
        return "/local/domain/0/backend/vbd/" + domid + "/" + XVDA;
    }

    String read(String path) {
        return fx.toolstack.await(fx.toolstack.xs().readOptional(path)).orElse(null);
    }

    @Override
    public void close() {
        fx.close();
        images.values().forEach(MemoryImage::close);
    }
}
