package io.xensim.xenbus.ring;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFactList;
import io.xensim.xenbus.memory.Layouts;
import java.util.List;

/**
 * The ABI facts of one protocol's shared ring ({@code struct <name>_sring} from {@code DEFINE_RING_TYPES(name, ...)}
 * in xen/io/ring.h) for the protocol's {@link io.xensim.xenbus.abi.AbiFactSource}: the header fields from
 * {@link SringDescriptor}, the entry size, the one-page ring size from {@link RingSize} and the values
 * {@code SHARED_RING_INIT} leaves.
 *
 * <p>The C struct declares {@code ring[1]}, so {@code sizeof(struct <name>_sring)} is the header plus one entry.
 */
public final class SringAbiFacts {
    private SringAbiFacts() {
    }

    /** The facts of {@code struct <name>_sring} whose {@code union <name>_sring_entry} is {@code entrySize} bytes. */
    public static List<AbiFact> of(String name, int entrySize) {
        String sring = "struct " + name + "_sring";
        int idx = SringDescriptor.RING_IDX_LENGTH;
        int u8 = (int) Layouts.U8.byteSize();
        int entries = RingSize.entries(Layouts.XEN_PAGE_SIZE, entrySize);
        return new AbiFactList()
                .sizeof(sring, SringDescriptor.RING_OFFSET + entrySize)
                .field(sring, "req_prod", SringDescriptor.REQ_PROD_OFFSET, idx)
                .field(sring, "req_event", SringDescriptor.REQ_EVENT_OFFSET, idx)
                .field(sring, "rsp_prod", SringDescriptor.RSP_PROD_OFFSET, idx)
                .field(sring, "rsp_event", SringDescriptor.RSP_EVENT_OFFSET, idx)
                .field(sring, "pvt", SringDescriptor.PVT_OFFSET, SringDescriptor.PVT_LENGTH)
                .field(sring, "pvt.netif.smartpoll_active", SringDescriptor.PVT_OFFSET, u8)
                .field(sring, "pvt.tapif_user.msg", SringDescriptor.PVT_OFFSET, u8)
                .field(sring, "pvt.pvt_pad", SringDescriptor.PVT_OFFSET, SringDescriptor.PVT_LENGTH)
                .field(sring, "__pad", SringDescriptor.PAD_OFFSET, SringDescriptor.PAD_LENGTH)
                .field(sring, "ring", SringDescriptor.RING_OFFSET, entrySize)
                .constant("sizeof(" + sring + ".ring[0]) /* entry size */", entrySize)
                .sizeof("union " + name + "_sring_entry", entrySize)
                .constant("__CONST_RING_SIZE(" + name + ", " + Layouts.XEN_PAGE_SIZE + ")", entries)
                .constant("RING_SIZE(" + name + " front ring, " + Layouts.XEN_PAGE_SIZE + ")", entries)
                .constant("RING_SIZE(" + name + " back ring, " + Layouts.XEN_PAGE_SIZE + ")", entries)
                .constant("SHARED_RING_INIT(" + name + ").req_prod", SringDescriptor.INITIAL_PROD)
                .constant("SHARED_RING_INIT(" + name + ").req_event", SringDescriptor.INITIAL_EVENT)
                .constant("SHARED_RING_INIT(" + name + ").rsp_prod", SringDescriptor.INITIAL_PROD)
                .constant("SHARED_RING_INIT(" + name + ").rsp_event", SringDescriptor.INITIAL_EVENT)
                .toList();
    }

    /**
     * {@code __CONST_RING_SIZE(name, 4096 << order)}, spelled as the golden table does for a multi-page ring;
     * {@code comment} is appended verbatim (the blkif rows end in a C comment naming the ring-page-order; others
     * have none).
     */
    public static AbiFact multiPage(String name, int ringPageOrder, int entrySize, String comment) {
        return AbiFact.of("__CONST_RING_SIZE(" + name + ", " + Layouts.XEN_PAGE_SIZE + " << " + ringPageOrder + ")"
                + comment, RingSize.entriesForOrder(ringPageOrder, entrySize));
    }
}
