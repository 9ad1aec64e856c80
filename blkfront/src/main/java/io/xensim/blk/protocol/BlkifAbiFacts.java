package io.xensim.blk.protocol;

import static io.xensim.blk.protocol.BlkifOp.*;
import static io.xensim.blk.protocol.BlkifStatus.*;
import static io.xensim.blk.protocol.VdiskInfo.*;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFactList;
import io.xensim.xenbus.abi.AbiFactSource;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.SringAbiFacts;
import java.util.List;

/**
 * The blkif ABI facts this package relies on, under their names in {@code abi-golden.tsv}: the ring at every page
 * order, every struct's size and field offsets/sizes, and the constants. Values come from the constants the codecs
 * use; field sizes come from the value layouts the codecs read and write them with.
 */
public final class BlkifAbiFacts implements AbiFactSource {
    private static final int U8 = (int) Layouts.U8.byteSize();
    private static final int U16 = (int) Layouts.U16.byteSize();
    private static final int U32 = (int) Layouts.U32.byteSize();
    private static final int U64 = (int) Layouts.U64.byteSize();

    @Override
    public String group() {
        return "blkif";
    }

    @Override
    public List<AbiFact> facts() {
        var facts = new AbiFactList()
                .constant("XEN_PAGE_SIZE (1 << XEN_PAGE_SHIFT)", Layouts.XEN_PAGE_SIZE)
                .sizeof("blkif_sector_t", U64)
                .sizeof("blkif_vdev_t", U16)
                .addAll(SringAbiFacts.of("blkif", BlkifRing.ENTRY_LENGTH));
        for (int order = 0; order <= BlkifRing.MAX_RING_PAGE_ORDER; order++) {
            facts.addAll(List.of(SringAbiFacts.multiPage("blkif", order, BlkifRing.ENTRY_LENGTH,
                    " /* ring-page-order " + order + " */")));
        }
        structs(facts);
        constants(facts);
        return facts.toList();
    }

    private static void structs(AbiFactList facts) {
        String seg = "struct blkif_request_segment";
        facts.sizeof(seg, BlkifRequestSegment.LENGTH)
                .field(seg, "gref", BlkifRequestSegment.GREF_OFFSET, U32)
                .field(seg, "first_sect", BlkifRequestSegment.FIRST_SECT_OFFSET, U8)
                .field(seg, "last_sect", BlkifRequestSegment.LAST_SECT_OFFSET, U8);
        String rw = "struct blkif_request";
        facts.sizeof(rw, BlkifRequest.LENGTH)
                .field(rw, "operation", BlkifRequest.OPERATION_OFFSET, U8)
                .field(rw, "nr_segments", BlkifRequest.NR_SEGMENTS_OFFSET, U8)
                .field(rw, "handle", BlkifRequest.HANDLE_OFFSET, U16)
                .field(rw, "id", BlkifRequest.ID_OFFSET, U64)
                .field(rw, "sector_number", BlkifRequest.SECTOR_NUMBER_OFFSET, U64)
                .field(rw, "seg", BlkifRequest.SEG_OFFSET, BlkifRequest.SEG_LENGTH)
                .offsetof(rw, "seg[10]", BlkifRequest.segOffset(BlkifRequest.BLKIF_MAX_SEGMENTS_PER_REQUEST - 1));
        String discard = "struct blkif_request_discard";
        facts.sizeof(discard, BlkifRequestDiscard.LENGTH)
                .field(discard, "operation", BlkifRequestDiscard.OPERATION_OFFSET, U8)
                .field(discard, "flag", BlkifRequestDiscard.FLAG_OFFSET, U8)
                .field(discard, "handle", BlkifRequestDiscard.HANDLE_OFFSET, U16)
                .field(discard, "id", BlkifRequestDiscard.ID_OFFSET, U64)
                .field(discard, "sector_number", BlkifRequestDiscard.SECTOR_NUMBER_OFFSET, U64)
                .field(discard, "nr_sectors", BlkifRequestDiscard.NR_SECTORS_OFFSET, U64);
        String indirect = "struct blkif_request_indirect";
        facts.sizeof(indirect, BlkifRequestIndirect.LENGTH)
                .field(indirect, "operation", BlkifRequestIndirect.OPERATION_OFFSET, U8)
                .field(indirect, "indirect_op", BlkifRequestIndirect.INDIRECT_OP_OFFSET, U8)
                .field(indirect, "nr_segments", BlkifRequestIndirect.NR_SEGMENTS_OFFSET, U16)
                .field(indirect, "id", BlkifRequestIndirect.ID_OFFSET, U64)
                .field(indirect, "sector_number", BlkifRequestIndirect.SECTOR_NUMBER_OFFSET, U64)
                .field(indirect, "handle", BlkifRequestIndirect.HANDLE_OFFSET, U16)
                .field(indirect, "indirect_grefs", BlkifRequestIndirect.INDIRECT_GREFS_OFFSET,
                        BlkifRequestIndirect.INDIRECT_GREFS_LENGTH);
        String rsp = "struct blkif_response";
        facts.sizeof(rsp, BlkifResponse.LENGTH)
                .field(rsp, "id", BlkifResponse.ID_OFFSET, U64)
                .field(rsp, "operation", BlkifResponse.OPERATION_OFFSET, U8)
                .field(rsp, "status", BlkifResponse.STATUS_OFFSET, U16);
    }

    private static void constants(AbiFactList facts) {
        facts.constant("BLKIF_OP_READ", BLKIF_OP_READ)
                .constant("BLKIF_OP_WRITE", BLKIF_OP_WRITE)
                .constant("BLKIF_OP_WRITE_BARRIER", BLKIF_OP_WRITE_BARRIER)
                .constant("BLKIF_OP_FLUSH_DISKCACHE", BLKIF_OP_FLUSH_DISKCACHE)
                .constant("BLKIF_OP_RESERVED_1", BLKIF_OP_RESERVED_1)
                .constant("BLKIF_OP_DISCARD", BLKIF_OP_DISCARD)
                .constant("BLKIF_OP_INDIRECT", BLKIF_OP_INDIRECT)
                .constant("BLKIF_MAX_SEGMENTS_PER_REQUEST", BlkifRequest.BLKIF_MAX_SEGMENTS_PER_REQUEST)
                .constant("BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST",
                        BlkifRequestIndirect.BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
                .constant("segments per indirect page (4096 / sizeof(struct blkif_request_segment))",
                        BlkifRequestIndirect.SEGS_PER_INDIRECT_FRAME)
                .constant("max segments via indirect (BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * 4096 / "
                        + "sizeof(struct blkif_request_segment))", BlkifRequestIndirect.MAX_INDIRECT_SEGMENTS)
                .constant("BLKIF_DISCARD_SECURE", BlkifRequestDiscard.BLKIF_DISCARD_SECURE)
                .constant("BLKIF_RSP_EOPNOTSUPP", BLKIF_RSP_EOPNOTSUPP)
                .constant("BLKIF_RSP_ERROR", BLKIF_RSP_ERROR)
                .constant("BLKIF_RSP_OKAY", BLKIF_RSP_OKAY)
                .constant("VDISK_CDROM", VDISK_CDROM)
                .constant("VDISK_REMOVABLE", VDISK_REMOVABLE)
                .constant("VDISK_READONLY", VDISK_READONLY);
        facts.addAll(List.of(
                AbiFact.of("XEN_IO_PROTO_ABI_NATIVE", BlkFeatures.XEN_IO_PROTO_ABI_NATIVE),
                AbiFact.of("XEN_IO_PROTO_ABI_X86_32", BlkFeatures.XEN_IO_PROTO_ABI_X86_32),
                AbiFact.of("XEN_IO_PROTO_ABI_X86_64", BlkFeatures.XEN_IO_PROTO_ABI_X86_64),
                AbiFact.of("XEN_IO_PROTO_ABI_ARM", BlkFeatures.XEN_IO_PROTO_ABI_ARM)));
    }
}
