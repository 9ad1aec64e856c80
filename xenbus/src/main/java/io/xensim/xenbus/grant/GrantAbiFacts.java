package io.xensim.xenbus.grant;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFactSource;
import java.util.ArrayList;
import java.util.List;

/** The grant-table ABI facts the Java code uses, named as in abi-golden.tsv, with values from the constants. */
public final class GrantAbiFacts implements AbiFactSource {
    @Override
    public String group() {
        return "grant";
    }

    @Override
    public List<AbiFact> facts() {
        List<AbiFact> f = new ArrayList<>();
        String e = "struct grant_entry_v1";
        f.add(AbiFact.of("sizeof(" + e + ")", GrantEntryV1.LENGTH));
        field(f, e, "flags", GrantEntryV1.FLAGS_OFFSET, 2);
        field(f, e, "domid", GrantEntryV1.DOMID_OFFSET, 2);
        field(f, e, "frame", GrantEntryV1.FRAME_OFFSET, 4);
        f.add(AbiFact.of("grant_entry_v1 per 4096 page", GrantEntryV1.ENTRIES_PER_FRAME));
        f.add(AbiFact.of("GNTTAB_NR_RESERVED_ENTRIES", GrantEntryV1.GNTTAB_NR_RESERVED_ENTRIES));
        f.add(AbiFact.of("GNTTAB_RESERVED_CONSOLE", GrantEntryV1.GNTTAB_RESERVED_CONSOLE));
        f.add(AbiFact.of("GNTTAB_RESERVED_XENSTORE", GrantEntryV1.GNTTAB_RESERVED_XENSTORE));
        f.add(AbiFact.of("GTF_invalid", GrantEntryV1.GTF_invalid));
        f.add(AbiFact.of("GTF_permit_access", GrantEntryV1.GTF_permit_access));
        f.add(AbiFact.of("GTF_accept_transfer", GrantEntryV1.GTF_accept_transfer));
        f.add(AbiFact.of("GTF_transitive", GrantEntryV1.GTF_transitive));
        f.add(AbiFact.of("GTF_type_mask", GrantEntryV1.GTF_type_mask));
        bit(f, "GTF_readonly", GrantEntryV1._GTF_readonly, GrantEntryV1.GTF_readonly);
        bit(f, "GTF_reading", GrantEntryV1._GTF_reading, GrantEntryV1.GTF_reading);
        bit(f, "GTF_writing", GrantEntryV1._GTF_writing, GrantEntryV1.GTF_writing);
        bit(f, "GTF_PWT", GrantEntryV1._GTF_PWT, GrantEntryV1.GTF_PWT);
        bit(f, "GTF_PCD", GrantEntryV1._GTF_PCD, GrantEntryV1.GTF_PCD);
        bit(f, "GTF_PAT", GrantEntryV1._GTF_PAT, GrantEntryV1.GTF_PAT);
        bit(f, "GTF_sub_page", GrantEntryV1._GTF_sub_page, GrantEntryV1.GTF_sub_page);
        bit(f, "GTF_transfer_committed", GrantEntryV1._GTF_transfer_committed, GrantEntryV1.GTF_transfer_committed);
        bit(f, "GTF_transfer_completed", GrantEntryV1._GTF_transfer_completed, GrantEntryV1.GTF_transfer_completed);
        f.add(AbiFact.of("GNTTABOP_map_grant_ref", GrantEntryV1.GNTTABOP_map_grant_ref));
        f.add(AbiFact.of("GNTTABOP_unmap_grant_ref", GrantEntryV1.GNTTABOP_unmap_grant_ref));
        f.add(AbiFact.of("GNTTABOP_copy", GrantEntryV1.GNTTABOP_copy));
        f.add(AbiFact.of("GNTMAP_device_map", GrantEntryV1.GNTMAP_device_map));
        f.add(AbiFact.of("GNTMAP_host_map", GrantEntryV1.GNTMAP_host_map));
        f.add(AbiFact.of("GNTMAP_readonly", GrantEntryV1.GNTMAP_readonly));
        bit(f, "GNTCOPY_source_gref", GnttabCopy._GNTCOPY_source_gref, GnttabCopy.GNTCOPY_source_gref);
        bit(f, "GNTCOPY_dest_gref", GnttabCopy._GNTCOPY_dest_gref, GnttabCopy.GNTCOPY_dest_gref);

        String c = "struct gnttab_copy";
        f.add(AbiFact.of("sizeof(" + c + ")", GnttabCopy.LENGTH));
        field(f, c, "source", GnttabCopy.SOURCE_U_OFFSET, GnttabCopy.PTR_LENGTH);
        field(f, c, "source.u.ref", GnttabCopy.SOURCE_U_OFFSET, 4);
        field(f, c, "source.u.gmfn", GnttabCopy.SOURCE_U_OFFSET, 8);
        field(f, c, "source.domid", GnttabCopy.SOURCE_DOMID_OFFSET, 2);
        field(f, c, "source.offset", GnttabCopy.SOURCE_OFFSET_OFFSET, 2);
        field(f, c, "dest", GnttabCopy.DEST_U_OFFSET, GnttabCopy.PTR_LENGTH);
        field(f, c, "dest.u.ref", GnttabCopy.DEST_U_OFFSET, 4);
        field(f, c, "dest.u.gmfn", GnttabCopy.DEST_U_OFFSET, 8);
        field(f, c, "dest.domid", GnttabCopy.DEST_DOMID_OFFSET, 2);
        field(f, c, "dest.offset", GnttabCopy.DEST_OFFSET_OFFSET, 2);
        field(f, c, "len", GnttabCopy.LEN_OFFSET, 2);
        field(f, c, "flags", GnttabCopy.FLAGS_OFFSET, 2);
        field(f, c, "status", GnttabCopy.STATUS_OFFSET, 2);

        short[] codes = {GnttabStatus.GNTST_okay, GnttabStatus.GNTST_general_error, GnttabStatus.GNTST_bad_domain,
            GnttabStatus.GNTST_bad_gntref, GnttabStatus.GNTST_bad_handle, GnttabStatus.GNTST_bad_virt_addr,
            GnttabStatus.GNTST_bad_dev_addr, GnttabStatus.GNTST_no_device_space,
            GnttabStatus.GNTST_permission_denied, GnttabStatus.GNTST_bad_page, GnttabStatus.GNTST_bad_copy_arg,
            GnttabStatus.GNTST_address_too_big, GnttabStatus.GNTST_eagain, GnttabStatus.GNTST_no_space};
        for (short code : codes) {
            f.add(AbiFact.of(GnttabStatus.name(code), code));
        }
        for (int i = 0; i < GnttabStatus.count(); i++) {
            f.add(AbiFact.of("GNTTABOP_error_msgs[-(" + (-i) + ")]", GnttabStatus.message(-i)));
        }
        return f;
    }

    static void field(List<AbiFact> f, String struct, String field, int offset, int size) {
        f.add(AbiFact.of("offsetof(" + struct + ", " + field + ")", offset));
        f.add(AbiFact.of("sizeof(" + struct + "." + field + ")", size));
    }

    private static void bit(List<AbiFact> f, String name, int bit, int mask) {
        f.add(AbiFact.of("_" + name, bit));
        f.add(AbiFact.of(name, mask));
    }
}
