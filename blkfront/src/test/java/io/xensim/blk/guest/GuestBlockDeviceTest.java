package io.xensim.blk.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The guest's view of a disk whose backend has not come up (no blkback in dom0): I/O waits, never fails on its own,
 * and fails with NO_DEVICE once the toolstack removes the disk; misuse of the API is refused at once.
 */
class GuestBlockDeviceTest {
    private static final int XVDA = 51712;

    private static GuestBlockDevice attach(BusFixture fx, ManagedDomain guest) {
        fx.toolstack.await(guest.frontends().register(BlkfrontDrivers.frontend()));
        fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vbd(1, 0, XVDA, "xvda", "/images/xvda.img", "phy",
                true)));
        fx.hv.runUntilIdle();
        return BlkfrontDrivers.device(guest, XVDA).orElseThrow();
    }

    @Test
    void ioWaitsForTheBackendAndFailsWhenTheDiskIsRemoved() {
        try (var fx = new BusFixture()) {
            ManagedDomain guest = fx.guest(1);
            GuestBlockDevice disk = attach(fx, guest);
            assertThat(disk.state()).isEqualTo(GuestBlockDevice.State.NOT_CONNECTED);
            assertThat(disk.sectors()).isZero();
            assertThat(disk.queueDepth()).isZero();
            assertThat(disk.name()).isEqualTo("xvda");
            CompletableFuture<BlkStatus> read = fx.onDomain(guest, () -> disk.read(0, MemorySegment.ofArray(new byte[512])));
            CompletableFuture<BlkStatus> flush = fx.onDomain(guest, disk::flush);
            assertThat(read).isNotDone();
            assertThat(flush).isNotDone();
            assertThat(fx.onDomain(guest, disk::outstanding)).isEqualTo(2);
            var removed = fx.toolstack.removeDevice("vbd", 1, XVDA);
            fx.hv.runUntilIdle();
            fx.expireTimeouts(); // no backend to close: libxl removes the directories anyway
            assertThat(fx.toolstack.await(removed)).isFalse();
            assertThat(read).isCompletedWithValue(BlkStatus.NO_DEVICE);
            assertThat(flush).isCompletedWithValue(BlkStatus.NO_DEVICE);
            assertThat(disk.state()).isEqualTo(GuestBlockDevice.State.GONE);
            assertThat(fx.onDomain(guest, () -> disk.write(0, MemorySegment.ofArray(new byte[512]))))
                    .isCompletedWithValue(BlkStatus.NO_DEVICE);
        }
    }

    @Test
    void buffersMustBeWholeSectors() {
        try (var fx = new BusFixture()) {
            ManagedDomain guest = fx.guest(1);
            GuestBlockDevice disk = attach(fx, guest);
            fx.onDomainRun(guest, () -> {
                assertThatThrownBy(() -> disk.write(0, MemorySegment.ofArray(new byte[100])))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 512");
                assertThatThrownBy(() -> disk.read(0, MemorySegment.ofArray(new byte[0])))
                        .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> disk.discard(0, 0)).isInstanceOf(IllegalArgumentException.class);
            });
            assertThat(fx.onDomain(guest, disk::outstanding)).isZero();
            fx.toolstack.removeDevice("vbd", 1, XVDA);
            fx.hv.runUntilIdle();
            fx.expireTimeouts();
        }
    }
}
