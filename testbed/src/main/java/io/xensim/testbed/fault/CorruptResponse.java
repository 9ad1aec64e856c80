package io.xensim.testbed.fault;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.protocol.BlkifResponse;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.SringDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Corrupt a response field: after blkback pushed its response to a write and before its event reaches the guest,
 * the response's {@code id} in the shared ring page is overwritten with one past the ring ({@link #BAD_ID}). The
 * hardened blkfront must disable the device ("disabled for further use"): the write fails with DISABLED, so does the
 * next I/O, and nothing of that response reaches the guest as success.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/xen-blkfront.c ({@code blkif_interrupt}: "response has incorrect
 * id", {@code blkif_set_error} / {@code BLKIF_STATE_ERROR}, XSA-376).
 */
public record CorruptResponse() implements Fault {
    public static final long BAD_ID = 4096;

    @Override
    public String name() {
        return "blk: a response's id corrupted in the shared ring after blkback pushed it";
    }

    @Override
    public String expected() {
        return "blkfront disabled: the write and every later I/O fail with DISABLED, reason \"response has "
                + "incorrect id (" + BAD_ID + ")\"";
    }

    @Override
    public Outcome inject() {
        try (var pair = BlkPair.connect()) {
            MemorySegment sring = pair.mapSharedRing();
            AtomicBoolean corrupted = new AtomicBoolean();
            // On dom0's thread, inside blkback's notify: the response is pushed, the guest not yet told.
            pair.guestToBackendEvents((fromDomid, fromPort, toDomid, toPort) -> {
                if (fromDomid == 0 && toDomid == BlkPair.DOMID && !corrupted.getAndSet(true)) {
                    int rspProd = sring.get(Layouts.U32, SringDescriptor.RSP_PROD_OFFSET);
                    long slot = SringDescriptor.RING_OFFSET
                            + (long) ((rspProd - 1) & (BlkPair.RING_SIZE - 1)) * BlkifResponse.LENGTH;
                    sring.set(Layouts.U64, slot + BlkifResponse.ID_OFFSET, BAD_ID);
                }
                return true;
            });
            var write = pair.submitWrite(64, BlkPair.pattern(4096, 1));
            pair.runUntil(write::isDone);
            pair.guestToBackendEvents((fromDomid, fromPort, toDomid, toPort) -> true);
            var after = pair.submitWrite(128, BlkPair.pattern(4096, 2));
            pair.runUntil(after::isDone);
            var state = pair.onGuest(f -> f.state());
            String reason = pair.onGuest(f -> f.blkifStateReason());
            boolean passed = corrupted.get() && write.isDone() && write.join() == BlkStatus.DISABLED
                    && after.isDone() && after.join() == BlkStatus.DISABLED && state == GuestBlockDevice.State.DISABLED
                    && reason.contains("response has incorrect id (" + BAD_ID + ")");
            return Outcome.check(passed, "write " + (write.isDone() ? write.join() : "pending") + ", next I/O "
                    + (after.isDone() ? after.join() : "pending") + ", device " + state + " (" + reason + ")");
        }
    }
}
