package io.xensim.xenbus.grant;

import static io.xensim.xenbus.grant.GnttabStatus.GNTST_bad_copy_arg;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_bad_domain;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_bad_gntref;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_bad_handle;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_bad_page;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_general_error;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_okay;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_permission_denied;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Domid;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The granting side (a frontend) and the hypervisor side (a backend's map/unmap/copy), every GNTST path. */
class GrantTableTest {
    private final Hypervisor hv = Hypervisor.create(ThreadingMode.INVOKER);
    private final Domain dom0 = hv.createDomain(DomainConfig.of(0, "dom0", 4));
    private final Domain guest = hv.createDomain(DomainConfig.of(1, "guest", 4));
    private final Domain other = hv.createDomain(DomainConfig.of(2, "other", 4));

    @AfterEach
    void close() {
        hv.close();
    }

    private long page(Domain d, String text) {
        long gfn = d.memory().allocateFrame();
        byte[] bytes = text.getBytes();
        MemorySegment.copy(bytes, 0, d.memory().frame(gfn), Layouts.U8, 0, bytes.length);
        return gfn;
    }

    @Test
    void grantWritesTheEntryAsGrantTableHDefinesIt() {
        long gfn = page(guest, "x");
        int ref = guest.grantTable().grantAccess(0, gfn, true);
        assertThat(ref).isGreaterThanOrEqualTo(GrantEntryV1.GNTTAB_NR_RESERVED_ENTRIES);
        long[] frames = guest.grantTable().frameGfns();
        MemorySegment entry = guest.memory().frame(frames[0]).asSlice((long) ref * GrantEntryV1.LENGTH,
                GrantEntryV1.LENGTH);
        assertThat(Layouts.u16(entry.get(Layouts.U16, GrantEntryV1.FLAGS_OFFSET)))
                .isEqualTo(GrantEntryV1.GTF_permit_access | GrantEntryV1.GTF_readonly);
        assertThat(Layouts.u16(entry.get(Layouts.U16, GrantEntryV1.DOMID_OFFSET))).isEqualTo(0);
        assertThat(Integer.toUnsignedLong(entry.get(Layouts.U32, GrantEntryV1.FRAME_OFFSET))).isEqualTo(gfn);
    }

    @Test
    void backendMapsReadsAndWritesTheGuestsFrameThenUnmaps() {
        long gfn = page(guest, "hello");
        int ref = guest.grantTable().grantAccess(0, gfn, false);
        MapResult map = dom0.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map);
        assertThat(map.status()).isEqualTo(GNTST_okay);
        assertThat(map.area().byteSize()).isEqualTo(Layouts.XEN_PAGE_SIZE);
        assertThat(map.area().getString(0)).isEqualTo("hello");
        assertThat(guest.grantTable().flags(ref) & (GrantEntryV1.GTF_reading | GrantEntryV1.GTF_writing))
                .isEqualTo(GrantEntryV1.GTF_reading | GrantEntryV1.GTF_writing);

        map.area().setString(0, "HELLO");
        assertThat(guest.memory().frame(gfn).getString(0)).isEqualTo("HELLO");

        assertThat(dom0.grantOps().unmapGrantRef(map.handle())).isEqualTo(GNTST_okay);
        assertThat(guest.grantTable().isInUse(ref)).isFalse();
        assertThat(guest.grantTable().endForeignAccess(ref)).isTrue();
        guest.memory().freeFrame(gfn);
        hv.assertCleanedUp();
    }

    @Test
    void readOnlyMapSetsOnlyReadingAndWritingClearsWhenTheLastWriterGoes() {
        int ref = guest.grantTable().grantAccess(0, page(guest, ""), false);
        MapResult ro = dom0.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map | GrantEntryV1.GNTMAP_readonly);
        assertThat(guest.grantTable().flags(ref) & GrantEntryV1.GTF_writing).isZero();
        MapResult rw = dom0.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map);
        assertThat(guest.grantTable().flags(ref) & GrantEntryV1.GTF_writing).isNotZero();
        dom0.grantOps().unmapGrantRef(rw.handle());
        assertThat(guest.grantTable().flags(ref) & (GrantEntryV1.GTF_reading | GrantEntryV1.GTF_writing))
                .isEqualTo(GrantEntryV1.GTF_reading);
        dom0.grantOps().unmapGrantRef(ro.handle());
        assertThat(guest.grantTable().isInUse(ref)).isFalse();
    }

    @Test
    void mapOfARefBeyondTheTableIsBadGntref() {
        assertThat(dom0.grantOps().mapGrantRef(1, guest.grantTable().capacity(), GrantEntryV1.GNTMAP_host_map)
                .status()).isEqualTo(GNTST_bad_gntref);
        assertThat(dom0.grantOps().mapGrantRef(1, -1, GrantEntryV1.GNTMAP_host_map).status())
                .isEqualTo(GNTST_bad_gntref);
    }

    @Test
    void mapOfAnUnusedRefIsGeneralError() {
        assertThat(dom0.grantOps().mapGrantRef(1, 100, GrantEntryV1.GNTMAP_host_map).status())
                .isEqualTo(GNTST_general_error);
    }

    @Test
    void mapByTheWrongDomainIsGeneralErrorAndLeavesTheEntryUntouched() {
        int ref = guest.grantTable().grantAccess(0, page(guest, ""), false);
        assertThat(other.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map).status())
                .isEqualTo(GNTST_general_error);
        assertThat(guest.grantTable().isInUse(ref)).isFalse();
    }

    @Test
    void writableMapOfAReadOnlyGrantIsGeneralError() {
        int ref = guest.grantTable().grantAccess(0, page(guest, ""), true);
        assertThat(dom0.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map).status())
                .isEqualTo(GNTST_general_error);
        MapResult ro = dom0.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map | GrantEntryV1.GNTMAP_readonly);
        assertThat(ro.status()).isEqualTo(GNTST_okay);
        dom0.grantOps().unmapGrantRef(ro.handle());
    }

    @Test
    void mapOfAnUnknownDomainIsBadDomain() {
        assertThat(dom0.grantOps().mapGrantRef(77, 8, GrantEntryV1.GNTMAP_host_map).status())
                .isEqualTo(GNTST_bad_domain);
    }

    @Test
    void unmapOfAnUnknownOrAlreadyUnmappedHandleIsBadHandle() {
        int ref = guest.grantTable().grantAccess(0, page(guest, ""), false);
        MapResult map = dom0.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map);
        assertThat(dom0.grantOps().unmapGrantRef(map.handle())).isEqualTo(GNTST_okay);
        assertThat(dom0.grantOps().unmapGrantRef(map.handle())).isEqualTo(GNTST_bad_handle);
        assertThat(dom0.grantOps().unmapGrantRef(12345)).isEqualTo(GNTST_bad_handle);
        assertThat(other.grantOps().unmapGrantRef(-1)).isEqualTo(GNTST_bad_handle);
    }

    @Test
    void endAccessWhileMappedIsRefusedAndChangesNothing() {
        int ref = guest.grantTable().grantAccess(0, page(guest, ""), false);
        MapResult map = dom0.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map);
        assertThat(guest.grantTable().endForeignAccess(ref)).isFalse();
        assertThat(guest.grantTable().isGranted(ref)).isTrue();
        dom0.grantOps().unmapGrantRef(map.handle());
        assertThat(guest.grantTable().endForeignAccess(ref)).isTrue();
        assertThat(guest.grantTable().isGranted(ref)).isFalse();
    }

    @Test
    void deferredEndFinishesOnTheGrantersExecutorOnceThePeerUnmaps() {
        long gfn = page(guest, "");
        int ref = guest.grantTable().grantAccess(0, gfn, false);
        MapResult map = dom0.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map);
        AtomicInteger released = new AtomicInteger();
        assertThat(guest.grantTable().endForeignAccessDeferred(ref, () -> {
            assertThat(guest.executor().inExecutor()).isTrue();
            released.incrementAndGet();
            guest.memory().freeFrame(gfn);
        })).isFalse();
        hv.runUntilIdle();
        assertThat(released).hasValue(0);
        assertThat(guest.grantTable().deferredCount()).isEqualTo(1);
        assertThat(hv.leftovers()).anyMatch(s -> s.contains("awaiting revocation"));

        dom0.grantOps().unmapGrantRef(map.handle());
        hv.runUntilIdle();
        assertThat(released).hasValue(1);
        assertThat(guest.grantTable().isGranted(ref)).isFalse();
        hv.assertCleanedUp();
    }

    @Test
    void freedRefsAreReusedMostRecentFirst() {
        long gfn = page(guest, "");
        int a = guest.grantTable().grantAccess(0, gfn, false);
        int b = guest.grantTable().grantAccess(0, gfn, false);
        guest.grantTable().endForeignAccess(a);
        assertThat(guest.grantTable().grantAccess(0, gfn, false)).isEqualTo(a);
        guest.grantTable().endForeignAccess(b);
        assertThat(guest.grantTable().grantAccess(0, gfn, false)).isEqualTo(b);
    }

    @Test
    void theTableGrowsAFrameAtATimeAndIsFullAtItsMaximum() {
        Domain small = hv.createDomain(DomainConfig.of(3, "small", 1).withMaxGrantFrames(2));
        long gfn = small.memory().allocateFrame();
        List<Integer> refs = new ArrayList<>();
        int usable = 2 * GrantEntryV1.ENTRIES_PER_FRAME - GrantEntryV1.GNTTAB_NR_RESERVED_ENTRIES;
        for (int i = 0; i < usable; i++) {
            int ref = small.grantTable().grantAccess(0, gfn, true);
            assertThat(ref).isNotNegative();
            refs.add(ref);
        }
        assertThat(small.grantTable().capacity()).isEqualTo(2 * GrantEntryV1.ENTRIES_PER_FRAME);
        assertThat(small.grantTable().grantAccess(0, gfn, true)).isEqualTo(-XenErrno.XEN_ENOSPC);
        small.grantTable().endForeignAccess(refs.getFirst());
        assertThat(small.grantTable().grantAccess(0, gfn, true)).isEqualTo(refs.getFirst());
    }

    @Test
    void endingARefThatWasNeverGrantedIsOurOwnBug() {
        assertThatThrownBy(() -> guest.grantTable().endForeignAccess(200))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ref: 200");
    }

    @Test
    void reservedRefsAreTheToolstacks() {
        long gfn = page(guest, "");
        guest.grantTable().grantReserved(GrantEntryV1.GNTTAB_RESERVED_XENSTORE, 0, gfn, false);
        MapResult map = dom0.grantOps().mapGrantRef(1, GrantEntryV1.GNTTAB_RESERVED_XENSTORE,
                GrantEntryV1.GNTMAP_host_map);
        assertThat(map.ok()).isTrue();
        dom0.grantOps().unmapGrantRef(map.handle());
        assertThatThrownBy(() -> guest.grantTable().grantReserved(8, 0, gfn, false))
                .isInstanceOf(IllegalArgumentException.class);
        hv.assertCleanedUp(); // reserved refs are not leaks
    }

    @Test
    void multiPageMapNeedsContiguousFramesAndUnmapsEverythingOnFailure() {
        long first = guest.memory().allocateFrames(2);
        int r0 = guest.grantTable().grantAccess(0, first, false);
        int r1 = guest.grantTable().grantAccess(0, first + 1, false);
        int[] handles = new int[2];
        MapResult map = dom0.grantOps().mapGrantRefs(1, new int[] {r0, r1}, GrantEntryV1.GNTMAP_host_map, handles);
        assertThat(map.ok()).isTrue();
        assertThat(map.area().byteSize()).isEqualTo(2L * Layouts.XEN_PAGE_SIZE);
        map.area().set(Layouts.U8, Layouts.XEN_PAGE_SIZE, (byte) 7);
        assertThat(guest.memory().frame(first + 1).get(Layouts.U8, 0)).isEqualTo((byte) 7);
        for (int h : handles) {
            dom0.grantOps().unmapGrantRef(h);
        }
        int reversed = guest.grantTable().grantAccess(0, first, false);
        MapResult bad = dom0.grantOps().mapGrantRefs(1, new int[] {r1, reversed}, GrantEntryV1.GNTMAP_host_map,
                handles);
        assertThat(bad.status()).isEqualTo(GNTST_general_error);
        assertThat(dom0.grantOps().activeMappings()).isZero();
        assertThat(guest.grantTable().isInUse(r1)).isFalse();
    }

    // ------------------------------------------------------------------ copy

    private final GnttabCopy op = new GnttabCopy();

    private short copy(GnttabCopy op) {
        dom0.grantOps().copy(new GnttabCopy[] {op}, 1);
        return op.status;
    }

    @Test
    void copyFromOwnFrameIntoAGrantedFrame() {
        long own = page(dom0, "packet-bytes");
        long dst = page(guest, "");
        int ref = guest.grantTable().grantAccess(0, dst, false);
        assertThat(copy(op.set(own, Domid.DOMID_SELF, 0, ref, 1, 100, 12, GnttabCopy.GNTCOPY_dest_gref)))
                .isEqualTo(GNTST_okay);
        assertThat(guest.memory().frame(dst).getString(100)).startsWith("packet-bytes");
        assertThat(guest.grantTable().isInUse(ref)).as("the copy's use ends with the copy").isFalse();
    }

    @Test
    void copyFromAGrantedFrameIntoOwnFrameNamingItselfById() {
        long src = page(guest, "from-guest");
        long own = page(dom0, "");
        int ref = guest.grantTable().grantAccess(0, src, true);
        assertThat(copy(op.set(ref, 1, 0, own, 0, 0, 10, GnttabCopy.GNTCOPY_source_gref))).isEqualTo(GNTST_okay);
        assertThat(dom0.memory().frame(own).getString(0)).isEqualTo("from-guest");
    }

    @Test
    void copyPastThePageIsBadCopyArg() {
        long own = page(dom0, "");
        int ref = guest.grantTable().grantAccess(0, page(guest, ""), false);
        assertThat(copy(op.set(own, Domid.DOMID_SELF, 4000, ref, 1, 0, 97, GnttabCopy.GNTCOPY_dest_gref)))
                .isEqualTo(GNTST_bad_copy_arg);
        assertThat(copy(op.set(own, Domid.DOMID_SELF, 0, ref, 1, 4095, 2, GnttabCopy.GNTCOPY_dest_gref)))
                .isEqualTo(GNTST_bad_copy_arg);
        assertThat(copy(op.set(own, Domid.DOMID_SELF, 0, ref, 1, 0, 4096, GnttabCopy.GNTCOPY_dest_gref)))
                .isEqualTo(GNTST_okay);
    }

    @Test
    void copyIntoAReadOnlyGrantIsRefused() {
        long own = page(dom0, "");
        int ref = guest.grantTable().grantAccess(0, page(guest, ""), true);
        assertThat(copy(op.set(own, Domid.DOMID_SELF, 0, ref, 1, 0, 1, GnttabCopy.GNTCOPY_dest_gref)))
                .isEqualTo(GNTST_general_error);
        assertThat(guest.grantTable().isInUse(ref)).isFalse();
    }

    @Test
    void copyNamingAnotherDomainsFrameDirectlyIsPermissionDenied() {
        long own = page(dom0, "");
        assertThat(copy(op.set(own, Domid.DOMID_SELF, 0, 5, 1, 0, 1, 0))).isEqualTo(GNTST_permission_denied);
        assertThat(copy(op.set(own, Domid.DOMID_SELF, 0, 5, 99, 0, 1, 0))).isEqualTo(GNTST_bad_domain);
    }

    @Test
    void copyOfAFrameOutsideOwnMemoryIsBadPage() {
        int ref = guest.grantTable().grantAccess(0, page(guest, ""), false);
        assertThat(copy(op.set(1L << 30, Domid.DOMID_SELF, 0, ref, 1, 0, 1, GnttabCopy.GNTCOPY_dest_gref)))
                .isEqualTo(GNTST_bad_page);
        assertThat(guest.grantTable().isInUse(ref)).isFalse();
    }

    @Test
    void copyWithBadSourceRefOrUnknownDomainGivesEachOpItsOwnStatus() {
        long own = page(dom0, "");
        long dst = page(guest, "");
        int ref = guest.grantTable().grantAccess(0, dst, false);
        GnttabCopy[] ops = {
            new GnttabCopy().set(999_999, 1, 0, own, Domid.DOMID_SELF, 0, 1, GnttabCopy.GNTCOPY_source_gref),
            new GnttabCopy().set(8, 55, 0, own, Domid.DOMID_SELF, 0, 1, GnttabCopy.GNTCOPY_source_gref),
            new GnttabCopy().set(own, Domid.DOMID_SELF, 0, ref, 1, 0, 8, GnttabCopy.GNTCOPY_dest_gref),
        };
        dom0.grantOps().copy(ops, ops.length);
        assertThat(ops[0].status).isEqualTo(GNTST_bad_gntref);
        assertThat(ops[1].status).isEqualTo(GNTST_bad_domain);
        assertThat(ops[2].status).isEqualTo(GNTST_okay);
    }

    @Test
    void destroyingTheGranterWhileMappedKeepsItsMemoryUntilThePeerUnmaps() {
        long gfn = page(guest, "still-here");
        int ref = guest.grantTable().grantAccess(0, gfn, false);
        MapResult map = dom0.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map);
        hv.destroyDomain(1);
        assertThat(hv.dyingDomains()).extracting(Domain::domid).containsExactly(1);
        assertThat(map.area().getString(0)).isEqualTo("still-here");
        assertThat(dom0.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map).status())
                .isEqualTo(GNTST_bad_domain);
        dom0.grantOps().unmapGrantRef(map.handle());
        assertThat(hv.dyingDomains()).isEmpty();
    }

    @Test
    void destroyingTheMapperUndoesItsMappings() {
        int ref = guest.grantTable().grantAccess(2, page(guest, ""), false);
        assertThat(other.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map).ok()).isTrue();
        hv.destroyDomain(2);
        assertThat(guest.grantTable().isInUse(ref)).isFalse();
    }

    @Test
    void statusMessagesAreXens() {
        assertThat(GnttabStatus.message(GNTST_bad_copy_arg)).isEqualTo("copy arguments cross page boundary");
        assertThat(GnttabStatus.message(-99)).contains("unknown");
    }
}
