package io.xensim.blk.back;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.image.BlockImage;
import io.xensim.blk.image.MemoryImage;
import io.xensim.blk.protocol.VbdName;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.DiskConfig;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The {@code block} script: loop devices, the keys it writes, its fatal messages, and offline releasing the image. */
class BlockHotplugTest {
    /** An opener that locks read-write opens, as the raw image's exclusive lock does: a second one is refused. */
    static final class LockingOpener implements ImageOpener {
        final Map<String, MemoryImage> disks = new HashMap<>();
        final Set<String> lockedForWrite = new HashSet<>();
        int closes;

        void closeAll() {
            disks.values().forEach(MemoryImage::close);
        }

        @Override
        public BlockImage open(String params, boolean writable) throws IOException {
            if (writable && !lockedForWrite.add(params)) {
                throw new IOException("image " + params + " is locked for writing by another backend");
            }
            MemoryImage disk = disks.computeIfAbsent(params, p -> MemoryImage.create(p, 64));
            return new BlkbackFixture.OpenedImage(disk, writable, 512, () -> {
                closes++;
                if (writable) {
                    lockedForWrite.remove(params);
                }
            });
        }
    }

    private static String read(BusFixture fx, String path) {
        return fx.toolstack.await(fx.toolstack.xs().readOptional(path)).orElse(null);
    }

    @Test
    void eachDiskGetsTheNextFreeLoopDevice() {
        var opener = new LockingOpener();
        try (var fx = new BusFixture()) {
            var blkback = new Blkback(BlkbackConfig.defaults(), opener);
            fx.toolstack.await(blkback.install(fx.toolstack));
            var guest = fx.guest(1);
            for (String name : new String[] {"xvda", "xvdb", "xvdc"}) {
                fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vbd(1, 0,
                        DiskConfig.of(name, VbdName.vdevOf(name), "/images/" + name + ".img"))));
            }
            fx.hv.runUntilIdle();
            assertThat(read(fx, "/local/domain/0/backend/vbd/1/51744/physical-device")).isEqualTo("7:2");
            assertThat(read(fx, "/local/domain/0/backend/vbd/1/51744/node")).isEqualTo("/dev/loop2");
            assertThat(blkback.loops().attached()).isEqualTo(3);
            // Unplugging xvda frees loop0, which the next disk takes (losetup -f).
            new ScriptedBlkfront(fx, guest, 51712).connect(1, 0, false);
            var removal = fx.toolstack.removeDevice("vbd", 1, 51712);
            fx.hv.runUntilIdle();
            fx.toolstack.await(fx.toolstack.xs().write("/local/domain/1/device/vbd/51712/state", "6"));
            assertThat(fx.toolstack.await(removal)).isTrue();
            assertThat(opener.closes).isEqualTo(1);
            fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vbd(1, 0,
                    DiskConfig.of("xvdd", VbdName.vdevOf("xvdd"), "/images/xvdd.img"))));
            fx.hv.runUntilIdle();
            assertThat(read(fx, "/local/domain/0/backend/vbd/1/51760/physical-device")).isEqualTo("7:0");
        } finally {
            opener.closeAll();
        }
    }

    @Test
    void aSecondWritableOpenOfALockedImageIsRefusedWithTheLocksMessage() {
        var opener = new LockingOpener();
        try (var fx = new BusFixture()) {
            var blkback = new Blkback(BlkbackConfig.defaults(), opener);
            fx.toolstack.await(blkback.install(fx.toolstack));
            fx.guest(1);
            fx.guest(2);
            var disk = DiskConfig.of("xvda", 51712, "/images/shared.img");
            fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vbd(1, 0, disk)));
            fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vbd(2, 0, disk)));
            fx.hv.runUntilIdle();
            assertThat(read(fx, "/local/domain/0/backend/vbd/1/51712/hotplug-status")).isEqualTo("connected");
            String be2 = "/local/domain/0/backend/vbd/2/51712";
            assertThat(read(fx, be2 + "/hotplug-status")).isEqualTo("error");
            assertThat(read(fx, be2 + "/hotplug-error")).isEqualTo(
                    "/images/shared.img: image /images/shared.img is locked for writing by another backend");
            assertThat(read(fx, be2 + "/physical-device")).isNull();
            // A read-only open of the same image stays possible.
            fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vbd(2, 0,
                    DiskConfig.of("xvdb", 51728, "/images/shared.img").readOnly())));
            fx.hv.runUntilIdle();
            assertThat(read(fx, "/local/domain/0/backend/vbd/2/51728/hotplug-status")).isEqualTo("connected");
            assertThat(blkback.loops().attached()).isEqualTo(2);
        } finally {
            opener.closeAll();
        }
    }

    @Test
    void destroyingTheGuestRunsOfflineAndReleasesTheLock() {
        var opener = new LockingOpener();
        try (var fx = new BusFixture()) {
            var blkback = new Blkback(BlkbackConfig.defaults(), opener);
            fx.toolstack.await(blkback.install(fx.toolstack));
            fx.guest(1);
            fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vbd(1, 0, DiskConfig.of("xvda", 51712, "/i.img"))));
            fx.hv.runUntilIdle();
            assertThat(opener.lockedForWrite).containsExactly("/i.img");
            fx.toolstack.await(fx.toolstack.destroyDomain(1));
            fx.hv.runUntilIdle();
            assertThat(opener.lockedForWrite).isEmpty();
            assertThat(blkback.loops().attached()).isZero();
        } finally {
            opener.closeAll();
        }
    }
}
