package io.xensim.blk.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.image.MemoryImage;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * blkfront and the scripted backend on real threads (a thread per domain, or one for all): the rings' orderings
 * carry hundreds of concurrent writes and reads over four rings, and every byte arrives.
 */
@Timeout(60)
class BlkfrontThreadedTest {
    private static final int XVDA = BlkFixture.XVDA;

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = {"SHARED", "DEDICATED"})
    void concurrentWritesThenReadsOverFourRings(ThreadingMode mode) throws Exception {
        var connected = new CountDownLatch(2);
        try (var hv = Hypervisor.builder().threadingMode(mode).tracer(e -> {
            if (e.kind() == TraceEvent.Kind.STATE && e.detail().contains("-> Connected")) {
                connected.countDown();
            }
        }).build(); var image = MemoryImage.create("xvda", BlkFixture.SECTORS)) {
            var toolstack = Toolstack.start(hv);
            var script = new ScriptedBlkback.Script(ScriptedBlkback.Offer.LINUX, image);
            toolstack.await(toolstack.dom0().backends().register(ScriptedBlkback.driver(script)));
            ManagedDomain guest = toolstack.await(toolstack.createDomain(DomainConfig.of(1, "guest1", 16)));
            toolstack.await(guest.frontends().register(BlkfrontDrivers.frontend()));
            toolstack.await(toolstack.addDevice(DeviceConfig.vbd(1, 0, XVDA, "xvda", "/images/xvda.img", "phy", true)));
            assertThat(connected.await(30, TimeUnit.SECONDS)).as("vbd Connected, both ends").isTrue();
            BlkfrontDevice disk = on(guest, () -> BlkfrontDrivers.device(guest, XVDA).orElseThrow());
            assertThat(on(guest, disk::ringCount)).isEqualTo(4);

            Random random = new Random(mode.ordinal());
            byte[] model = new byte[(int) BlkFixture.SECTORS * 512];
            int slots = 512;
            int slotSectors = (int) BlkFixture.SECTORS / slots;
            List<MemorySegment> writes = new ArrayList<>();
            List<Long> sectors = new ArrayList<>();
            for (int slot = 0; slot < slots; slot++) {
                int n = 1 + random.nextInt(slotSectors);
                long sector = (long) slot * slotSectors + random.nextInt(slotSectors - n + 1);
                MemorySegment data = BlkFixture.pattern(n, random.nextInt());
                MemorySegment.copy(data, 0, MemorySegment.ofArray(model), sector * 512, data.byteSize());
                writes.add(data);
                sectors.add(sector);
            }
            CompletableFuture<Void> written = on(guest, () -> {
                List<CompletableFuture<BlkStatus>> ops = new ArrayList<>();
                for (int i = 0; i < writes.size(); i++) {
                    ops.add(disk.write(sectors.get(i), writes.get(i)));
                }
                return CompletableFuture.allOf(ops.toArray(CompletableFuture[]::new))
                        .thenRun(() -> assertThat(ops).allMatch(op -> op.join() == BlkStatus.OK));
            });
            written.get(30, TimeUnit.SECONDS);
            assertThat(image.contents().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(model);

            MemorySegment back = MemorySegment.ofArray(new byte[model.length]);
            CompletableFuture<Void> read = on(guest, () -> {
                List<CompletableFuture<BlkStatus>> ops = new ArrayList<>();
                for (long s = 0; s < BlkFixture.SECTORS; s += 128) {
                    ops.add(disk.read(s, back.asSlice(s * 512, 128 * 512)));
                }
                return CompletableFuture.allOf(ops.toArray(CompletableFuture[]::new))
                        .thenRun(() -> assertThat(ops).allMatch(op -> op.join() == BlkStatus.OK));
            });
            read.get(30, TimeUnit.SECONDS);
            assertThat(back.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(model);
            toolstack.close();
            assertThat(hv.uncaughtErrors()).isEmpty();
        }
    }

    private static <T> T on(ManagedDomain domain, Supplier<T> action) throws Exception {
        var result = new CompletableFuture<T>();
        domain.domain().executor().execute(() -> {
            try {
                result.complete(action.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(30, TimeUnit.SECONDS);
    }
}
