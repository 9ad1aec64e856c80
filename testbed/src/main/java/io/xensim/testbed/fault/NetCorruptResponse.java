package io.xensim.testbed.fault;

import io.xensim.net.guest.GuestNetInterface.LinkState;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.net.protocol.NetifRing;
import io.xensim.net.protocol.NetifTxResponse;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.SringDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Corrupt a response field on the network path: after netback pushed its tx response for guest 1's frame and
 * before the event reaches guest 1, the response's {@code id} in the shared tx ring is overwritten with
 * {@link #BAD_ID}, past the ring. netfront's check of a malicious backend must disable the device: "Response has
 * incorrect id", "Disabled for further use"; the link reads BROKEN and the next send is refused. Only that vif is
 * affected: guest 2 still sends.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netfront.c ({@code xennet_tx_buf_gc}: "Response has incorrect
 * id", {@code info->broken}).
 */
public record NetCorruptResponse() implements Fault {
    public static final int BAD_ID = 4096;

    @Override
    public String name() {
        return "net: a tx response's id corrupted in guest 1's shared ring after netback pushed it";
    }

    @Override
    public String expected() {
        return "netfront disabled: \"Response has incorrect id (" + BAD_ID + ")\", link BROKEN, the next send "
                + "refused; guest 2's vif keeps working";
    }

    @Override
    public Outcome inject() {
        try (var pair = VifPair.connect()) {
            MemorySegment sring = pair.mapTxRing(1);
            int txPort = pair.txPort(1);
            AtomicBoolean corrupted = new AtomicBoolean();
            // On dom0's thread, inside netback's notify: the response is pushed, guest 1 not yet told.
            pair.events((fromDomid, fromPort, toDomid, toPort) -> {
                if (fromDomid == 0 && toDomid == 1 && toPort == txPort && !corrupted.getAndSet(true)) {
                    int rspProd = sring.get(Layouts.U32, SringDescriptor.RSP_PROD_OFFSET);
                    long slot = SringDescriptor.RING_OFFSET
                            + (long) ((rspProd - 1) & (VifPair.TX_RING_SIZE - 1)) * NetifRing.TX_ENTRY_LENGTH;
                    sring.set(Layouts.U16, slot + NetifTxResponse.ID_OFFSET, (short) BAD_ID);
                }
                return true;
            });
            pair.send(1, 1);
            pair.run();
            LinkState link = pair.onGuest(1, f -> f.linkState());
            String reason = pair.onGuest(1, f -> f.brokenReason().orElse("none"));
            SendResult next = pair.send(1, 2);
            pair.run();
            SendResult other = pair.send(2, 3);
            pair.run();
            boolean passed = corrupted.get() && link == LinkState.BROKEN
                    && reason.startsWith("Response has incorrect id (" + BAD_ID + ")")
                    && next == SendResult.DROPPED_LINK_DOWN && other == SendResult.SENT
                    && pair.onGuest(2, f -> f.linkState()) == LinkState.UP;
            return Outcome.check(passed, "guest 1: link " + link + " (" + reason + "), next send " + next
                    + "; guest 2: send " + other);
        }
    }
}
