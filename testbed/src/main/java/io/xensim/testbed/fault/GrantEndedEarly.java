package io.xensim.testbed.fault;

import io.xensim.blk.guest.BlkStatus;

/**
 * End a grant early: the guest ends foreign access to its shared ring page ({@code ring-ref}) while blkback still
 * has it mapped. Xen refuses to end a grant that is in use (the entry's reading/writing bits are set), so the call
 * fails, the grant stays in place, and the backend never loses the page under it: the device keeps working.
 *
 * <p><b>Reference:</b> Xen common/grant_table.c and Linux 6.1 drivers/xen/grant-table.c
 * ({@code gnttab_end_foreign_access_ref} fails while {@code GTF_reading}/{@code GTF_writing} are set).
 */
public record GrantEndedEarly() implements Fault {
    @Override
    public String name() {
        return "grant: the guest ends access to its ring page while blkback maps it";
    }

    @Override
    public String expected() {
        return "refused while mapped: the grant stays, the device stays connected and a write completes OK";
    }

    @Override
    public Outcome inject() {
        try (var pair = BlkPair.connect()) {
            int ref = pair.ringRef();
            boolean ended = pair.onGuest(f -> pair.guest().domain().grantTable().endForeignAccess(ref));
            boolean granted = pair.onGuest(f -> pair.guest().domain().grantTable().isGranted(ref));
            var write = pair.submitWrite(64, BlkPair.pattern(4096, 3));
            pair.runUntil(write::isDone);
            boolean ok = write.isDone() && write.join() == BlkStatus.OK
                    && pair.imageHolds(64, BlkPair.pattern(4096, 3));
            return Outcome.check(!ended && granted && pair.connected() && ok, "end_foreign_access "
                    + (ended ? "succeeded" : "refused") + ", still granted " + granted + ", connected "
                    + pair.connected() + ", write OK and in the image " + ok);
        }
    }
}
