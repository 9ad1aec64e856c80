package io.xensim.testbed.fault;

import io.xensim.net.guest.GuestNetInterface.SendResult;
import java.util.List;

/**
 * End a grant early on the network path: guest 1 ends foreign access to its tx ring page while netback has it
 * mapped. Xen refuses (the grant is in use), so the grant stays and netback never loses the page under it: the
 * vif keeps working and a frame still reaches guest 2.
 *
 * <p><b>Reference:</b> Xen common/grant_table.c and Linux 6.1 drivers/xen/grant-table.c
 * ({@code gnttab_end_foreign_access_ref} fails while {@code GTF_reading}/{@code GTF_writing} are set).
 */
public record NetGrantEndedEarly() implements Fault {
    @Override
    public String name() {
        return "grant: guest 1 ends access to its tx ring page while netback maps it";
    }

    @Override
    public String expected() {
        return "refused while mapped: the grant stays, the vif stays up and a frame reaches guest 2";
    }

    @Override
    public Outcome inject() {
        try (var pair = VifPair.connect()) {
            int ref = pair.txRingRef(1);
            var grants = pair.guest(1).domain().grantTable();
            boolean ended = pair.onGuest(1, f -> grants.endForeignAccess(ref));
            boolean granted = pair.onGuest(1, f -> grants.isGranted(ref));
            SendResult sent = pair.send(1, 7);
            pair.run();
            boolean delivered = pair.receivedSeqs(2).equals(List.of(7));
            return Outcome.check(!ended && granted && sent == SendResult.SENT && delivered, "end_foreign_access "
                    + (ended ? "succeeded" : "refused") + ", still granted " + granted + ", send " + sent
                    + ", delivered to guest 2 " + delivered);
        }
    }
}
