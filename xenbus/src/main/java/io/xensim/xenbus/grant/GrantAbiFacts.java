package io.xensim.xenbus.grant;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFactList;
import io.xensim.xenbus.abi.AbiFactSource;
import java.util.List;

/** The grant-table ABI facts the Java code uses, named as in abi-golden.tsv, with values from the constants. */
public final class GrantAbiFacts implements AbiFactSource {
    @Override
    public String group() {
        return "grant";
    }

    @Override
    public List<AbiFact> facts() {
        String e = "struct grant_entry_v1";
        String c = "struct gnttab_copy";
        AbiFactList f = new AbiFactList()
                .sizeof(e, GrantEntryV1.LENGTH)
                .field(e, "flags", GrantEntryV1.FLAGS_OFFSET, 2)
                .field(e, "domid", GrantEntryV1.DOMID_OFFSET, 2)
                .field(e, "frame", GrantEntryV1.FRAME_OFFSET, 4)
                .constant("grant_entry_v1 per 4096 page", GrantEntryV1.ENTRIES_PER_FRAME)
                .constant("GNTTAB_NR_RESERVED_ENTRIES", GrantEntryV1.GNTTAB_NR_RESERVED_ENTRIES)
                .constant("GNTTAB_RESERVED_CONSOLE", GrantEntryV1.GNTTAB_RESERVED_CONSOLE)
                .constant("GNTTAB_RESERVED_XENSTORE", GrantEntryV1.GNTTAB_RESERVED_XENSTORE)
                .constant("GTF_invalid", GrantEntryV1.GTF_invalid)
                .constant("GTF_permit_access", GrantEntryV1.GTF_permit_access)
                .constant("GTF_accept_transfer", GrantEntryV1.GTF_accept_transfer)
                .constant("GTF_transitive", GrantEntryV1.GTF_transitive)
                .constant("GTF_type_mask", GrantEntryV1.GTF_type_mask);
        bit(f, "GTF_readonly", GrantEntryV1._GTF_readonly, GrantEntryV1.GTF_readonly);
        bit(f, "GTF_reading", GrantEntryV1._GTF_reading, GrantEntryV1.GTF_reading);
        bit(f, "GTF_writing", GrantEntryV1._GTF_writing, GrantEntryV1.GTF_writing);
        bit(f, "GTF_PWT", GrantEntryV1._GTF_PWT, GrantEntryV1.GTF_PWT);
        bit(f, "GTF_PCD", GrantEntryV1._GTF_PCD, GrantEntryV1.GTF_PCD);
        bit(f, "GTF_PAT", GrantEntryV1._GTF_PAT, GrantEntryV1.GTF_PAT);
        bit(f, "GTF_sub_page", GrantEntryV1._GTF_sub_page, GrantEntryV1.GTF_sub_page);
        bit(f, "GTF_transfer_committed", GrantEntryV1._GTF_transfer_committed, GrantEntryV1.GTF_transfer_committed);
        bit(f, "GTF_transfer_completed", GrantEntryV1._GTF_transfer_completed, GrantEntryV1.GTF_transfer_completed);
        f.constant("GNTTABOP_map_grant_ref", GrantEntryV1.GNTTABOP_map_grant_ref)
                .constant("GNTTABOP_unmap_grant_ref", GrantEntryV1.GNTTABOP_unmap_grant_ref)
                .constant("GNTTABOP_copy", GrantEntryV1.GNTTABOP_copy)
                .constant("GNTMAP_device_map", GrantEntryV1.GNTMAP_device_map)
                .constant("GNTMAP_host_map", GrantEntryV1.GNTMAP_host_map)
                .constant("GNTMAP_readonly", GrantEntryV1.GNTMAP_readonly);
        bit(f, "GNTCOPY_source_gref", GnttabCopy._GNTCOPY_source_gref, GnttabCopy.GNTCOPY_source_gref);
        bit(f, "GNTCOPY_dest_gref", GnttabCopy._GNTCOPY_dest_gref, GnttabCopy.GNTCOPY_dest_gref);
        f.sizeof(c, GnttabCopy.LENGTH)
                .field(c, "source", GnttabCopy.SOURCE_U_OFFSET, GnttabCopy.PTR_LENGTH)
                .field(c, "source.u.ref", GnttabCopy.SOURCE_U_OFFSET, 4)
                .field(c, "source.u.gmfn", GnttabCopy.SOURCE_U_OFFSET, 8)
                .field(c, "source.domid", GnttabCopy.SOURCE_DOMID_OFFSET, 2)
                .field(c, "source.offset", GnttabCopy.SOURCE_OFFSET_OFFSET, 2)
                .field(c, "dest", GnttabCopy.DEST_U_OFFSET, GnttabCopy.PTR_LENGTH)
                .field(c, "dest.u.ref", GnttabCopy.DEST_U_OFFSET, 4)
                .field(c, "dest.u.gmfn", GnttabCopy.DEST_U_OFFSET, 8)
                .field(c, "dest.domid", GnttabCopy.DEST_DOMID_OFFSET, 2)
                .field(c, "dest.offset", GnttabCopy.DEST_OFFSET_OFFSET, 2)
                .field(c, "len", GnttabCopy.LEN_OFFSET, 2)
                .field(c, "flags", GnttabCopy.FLAGS_OFFSET, 2)
                .field(c, "status", GnttabCopy.STATUS_OFFSET, 2);
        for (int i = 0; i < GnttabStatus.count(); i++) {
            f.constant(GnttabStatus.name(-i), -i);
            f.addAll(List.of(AbiFact.of("GNTTABOP_error_msgs[-(" + (-i) + ")]", GnttabStatus.message(-i))));
        }
        return f.toList();
    }

    private static void bit(AbiFactList f, String name, int bit, int mask) {
        f.constant("_" + name, bit).constant(name, mask);
    }
}
