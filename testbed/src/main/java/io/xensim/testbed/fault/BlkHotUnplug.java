package io.xensim.testbed.fault;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Hot-unplug the vbd in the middle of I/O ({@code xl block-detach}): the guest submits {@link BlkPair#RING_SIZE} +
 * {@link #EXTRA} writes and the toolstack removes the device before any completes (online = 0, backend Closing,
 * wait for Closed, then both directories go). Each write ends exactly once: OK (and then it is in the image) or
 * {@code NO_DEVICE} (blkfront's {@code blkfront_remove} ends what the backend did not answer); none is left
 * waiting, and the device closes.
 *
 * <p>With {@code silentGuest} every notification from the guest to dom0 is dropped first, its xenstore ring's
 * included: the frontend can neither see the backend close nor answer it, and the writes never reach blkback. The
 * removal cannot finish by the handshake; it waits out libxl's {@code LIBXL_DESTROY_TIMEOUT} (10 s) and then
 * removes the device anyway (forced: the removal completes with false). blkback lets go of the ring at once; the
 * guest, when its events flow again, finds its device gone and fails every write with {@code NO_DEVICE}.
 *
 * <p><b>Reference:</b> libxl_device.c ({@code device_backend_callback}: on {@code ERROR_TIMEDOUT} of a removal,
 * "Timeout reached, initiating forced remove", {@code libxl__initiate_device_generic_remove} with force); Linux 6.1 drivers/block/xen-blkfront.c
 * ({@code blkback_changed} Closing, {@code blkfront_closing}, {@code blkfront_remove}) and xen-blkback/xenbus.c
 * ({@code frontend_changed}, {@code xen_blkif_disconnect}).
 */
public record BlkHotUnplug(boolean silentGuest) implements Fault {
    public static final int EXTRA = 8;
    /** How the toolstack's note of a forced unplug ends ({@code Toolstack.removeDevice}). */
    public static final String FORCED_NOTE = "did not reach Closed within 10000 ms; removing the device anyway";
    private static final int BYTES = 4096;

    @Override
    public String name() {
        return "blk: vbd hot-unplugged (xl block-detach) with " + (BlkPair.RING_SIZE + EXTRA) + " writes in flight"
                + (silentGuest ? ", every guest->dom0 event dropped" : "");
    }

    @Override
    public String expected() {
        return silentGuest
                ? "the removal is forced after libxl's 10 s timeout (not a hang), blkback goes; when the guest's "
                + "events flow again every write ends with NO_DEVICE, none is left waiting, the device is gone"
                : "a clean removal; every write ends once, OK (and in the image) or NO_DEVICE, none is left waiting; "
                + "the device closes";
    }

    @Override
    public Outcome inject() {
        try (var pair = BlkPair.connect()) {
            var ts = pair.toolstack();
            if (silentGuest) {
                pair.guestToBackendEvents((fromDomid, fromPort, toDomid, toPort) ->
                        !(fromDomid == BlkPair.DOMID && toDomid == 0));
            }
            int n = BlkPair.RING_SIZE + EXTRA;
            List<CompletableFuture<BlkStatus>> writes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                writes.add(pair.submitWrite(sector(i), BlkPair.pattern(BYTES, i)));
            }
            if (!silentGuest) {
                pair.runUntil(writes.getFirst()::isDone); // I/O under way: the first answered, the rest not yet
            }
            long answeredBefore = writes.stream().filter(CompletableFuture::isDone).count();
            var removal = ts.removeDevice(BlkfrontDrivers.TYPE, BlkPair.DOMID, pair.devid());
            pair.runUntil(removal::isDone);
            boolean byHandshake = removal.isDone();
            if (!byHandshake) {
                pair.expireTimeouts(); // libxl's LIBXL_DESTROY_TIMEOUT
            }
            boolean forced = removal.isDone() && !removal.join();
            String note = pair.host().notes().stream().filter(line -> line.startsWith("unplug: ")).findFirst()
                    .orElse("no note");
            pair.run();
            boolean backendGone = Blkback.device(ts, BlkPair.DOMID, pair.devid()).isEmpty();
            pair.guestToBackendEvents((fromDomid, fromPort, toDomid, toPort) -> true);
            pair.run();
            long ok = writes.stream().filter(w -> w.isDone() && w.join() == BlkStatus.OK).count();
            long noDevice = writes.stream().filter(w -> w.isDone() && w.join() == BlkStatus.NO_DEVICE).count();
            long waiting = writes.stream().filter(w -> !w.isDone()).count();
            int okInImage = 0;
            for (int i = 0; i < n; i++) {
                var w = writes.get(i);
                okInImage += w.isDone() && w.join() == BlkStatus.OK
                        && pair.imageHolds(sector(i), BlkPair.pattern(BYTES, i)) ? 1 : 0;
            }
            boolean frontGone = BlkfrontDrivers.device(pair.guest(), pair.devid())
                    .map(f -> pair.onGuest(x -> x.state()) == GuestBlockDevice.State.GONE).orElse(true);
            boolean ended = waiting == 0 && ok + noDevice == n && okInImage == ok;
            boolean passed = removal.isDone() && ended && backendGone && frontGone && answeredBefore < n
                    && (silentGuest ? !byHandshake && forced && noDevice == n && note.endsWith(FORCED_NOTE)
                    : byHandshake && !forced && note.equals("no note"));
            String how = !removal.isDone() ? "pending" : forced ? "forced after the 10 s timeout" : "clean";
            return Outcome.check(passed, answeredBefore + "/" + n + " answered when the unplug began; removal " + how
                    + (byHandshake ? "" : " (no handshake: the guest never answered; toolstack: " + note + ")")
                    + ", blkback gone "
                    + backendGone + ", writes: " + ok + " OK (" + okInImage + " in the image), " + noDevice
                    + " NO_DEVICE, " + waiting + " waiting; device gone " + frontGone);
        }
    }

    private static long sector(int i) {
        return 64 + (long) i * BYTES / 512;
    }
}
