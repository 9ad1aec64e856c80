package io.xensim.blk.front;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.image.MemoryImage;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** A guest with blkfront and dom0 with a {@link ScriptedBlkback} over a memory image, over {@link BusFixture}. */
final class BlkFixture implements AutoCloseable {
    /** xvda: {@code (202 << 8) | (0 << 4)}, as xen-vbd-interface(7) encodes it. */
    static final int XVDA = 51712;
    static final long SECTORS = 8192; // 4 MiB

    final BusFixture fx = new BusFixture();
    final ManagedDomain guest;
    final MemoryImage image = MemoryImage.create("xvda", SECTORS);
    final ScriptedBlkback.Script script;

    BlkFixture(BlkfrontConfig config, ScriptedBlkback.Offer offer) {
        script = new ScriptedBlkback.Script(offer, image);
        guest = fx.guest(1);
        fx.toolstack.await(guest.frontends().register(BlkfrontDrivers.frontend(config)));
        fx.toolstack.await(fx.toolstack.dom0().backends().register(ScriptedBlkback.driver(script)));
    }

    BlkFixture() {
        this(BlkfrontConfig.DEFAULT, ScriptedBlkback.Offer.LINUX);
    }

    /** Adds xvda with the keys libxl writes ({@code trusted} left out when null). */
    void addVbd(String trusted) {
        Map<String, String> front = new LinkedHashMap<>();
        front.put("virtual-device", Integer.toString(XVDA));
        front.put("device-type", "disk");
        if (trusted != null) {
            front.put("trusted", trusted);
        }
        Map<String, String> back = new LinkedHashMap<>();
        back.put("params", "/images/xvda.img");
        back.put("type", "phy");
        back.put("mode", "w");
        back.put("device-type", "disk");
        back.put("dev", "xvda");
        fx.toolstack.await(fx.toolstack.addDevice(new DeviceConfig("vbd", 1, 0, XVDA, front, back)));
        fx.hv.runUntilIdle();
    }

    void addVbd() {
        addVbd("1");
    }

    BlkfrontDevice front() {
        return (BlkfrontDevice) guest.frontends().device("vbd", 1, XVDA).orElseThrow().handler();
    }

    ScriptedBlkback back() {
        return (ScriptedBlkback) fx.toolstack.dom0().backends().device("vbd", 1, XVDA).orElseThrow().handler();
    }

    <T> T onGuest(Supplier<T> action) {
        return fx.onDomain(guest, action);
    }

    <T> T onBack(Supplier<T> action) {
        return fx.onDomain(fx.toolstack.dom0(), action);
    }

    void onBackRun(Runnable action) {
        fx.onDomainRun(fx.toolstack.dom0(), action);
    }

    /** Submits on the guest and lets every domain run; the future is done if the backend answered. */
    CompletableFuture<BlkStatus> submit(java.util.function.Function<BlkfrontDevice, CompletableFuture<BlkStatus>> op) {
        return onGuest(() -> op.apply(front()));
    }

    /** A pattern buffer of {@code sectors} sectors: byte {@code i} of sector {@code s} is {@code seed + s * 7 + i}. */
    static MemorySegment pattern(int sectors, int seed) {
        byte[] b = new byte[sectors * 512];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed + (i / 512) * 7 + i);
        }
        return MemorySegment.ofArray(b);
    }

    /** The image's bytes of {@code [sector, sector + n)}. */
    byte[] imageBytes(long sector, int n) {
        return image.contents().asSlice(sector * 512, n * 512L).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    /** The frontend's xenstore key (relative to its directory), read as dom0. */
    String frontKey(String key) {
        return fx.toolstack.await(fx.toolstack.xs().readOptional("/local/domain/1/device/vbd/" + XVDA + "/" + key))
                .orElse(null);
    }

    List<String> frontDir(String sub) {
        return fx.toolstack.await(fx.toolstack.xs().directory(0, "/local/domain/1/device/vbd/" + XVDA + sub));
    }

    /** The backend goes away and comes back (a driver domain restart), with {@code offer}. */
    void restartBackend(ScriptedBlkback.Offer offer) {
        fx.toolstack.await(fx.toolstack.removeBackend("vbd", 1, XVDA));
        fx.hv.runUntilIdle();
        script.offer = offer;
        fx.toolstack.await(fx.toolstack.restoreBackend("vbd", 1, XVDA));
        fx.hv.runUntilIdle();
    }

    @Override
    public void close() {
        fx.close();
        image.close();
    }
}
