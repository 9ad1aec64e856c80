package io.xensim.xenbus.grant;

import static io.xensim.xenbus.grant.GrantEntryV1.DOMID_OFFSET;
import static io.xensim.xenbus.grant.GrantEntryV1.ENTRIES_PER_FRAME;
import static io.xensim.xenbus.grant.GrantEntryV1.FLAGS_OFFSET;
import static io.xensim.xenbus.grant.GrantEntryV1.FRAME_OFFSET;
import static io.xensim.xenbus.grant.GrantEntryV1.GNTTAB_NR_RESERVED_ENTRIES;
import static io.xensim.xenbus.grant.GrantEntryV1.GTF_permit_access;
import static io.xensim.xenbus.grant.GrantEntryV1.GTF_readonly;
import static io.xensim.xenbus.grant.GrantEntryV1.GTF_reading;
import static io.xensim.xenbus.grant.GrantEntryV1.GTF_type_mask;
import static io.xensim.xenbus.grant.GrantEntryV1.GTF_writing;
import static io.xensim.xenbus.grant.GrantEntryV1.LENGTH;

import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.memory.GuestMemory;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A domain's version-1 grant table: an array of {@link GrantEntryV1} in frames of that domain's own memory, plus
 * the hypervisor's private bookkeeping of who has each entry in use (Xen's "active" entries and pin counts).
 *
 * <p>The table starts with one frame and grows a frame at a time, up to {@code maxFrames} (Xen's
 * {@code gnttab_max_frames}, default 64), taking its frames from the domain's frame allocator. The first
 * {@code GNTTAB_NR_RESERVED_ENTRIES} refs are the toolstack's ({@link #grantReserved}).
 *
 * <p>Two parties use it:
 * <ul>
 *   <li>the <b>granting domain</b> (a frontend): {@link #grantAccess}, {@link #endForeignAccess},
 *       {@link #endForeignAccessDeferred} — the shape of Linux's {@code gnttab_grant_foreign_access} and
 *       {@code gnttab_end_foreign_access}. Freed refs are reused, most recently freed first (Linux's free list).
 *       Ending access while the peer still has the frame in use is refused; the deferred form keeps the ref and
 *       the frame until the peer lets go and then finishes the job, as Linux does since XSA-396.</li>
 *   <li>the <b>hypervisor</b> on behalf of a peer ({@link HypervisorGrantOps}): {@link #pin}/{@link #unpin}
 *       validate an entry and set or clear {@code GTF_reading}/{@code GTF_writing} in the shared flags with a
 *       compare-and-set of the combined flags+domid word, as Xen's {@code _set_status_v1} does.</li>
 * </ul>
 *
 * <p><b>Threading:</b> granting-side methods are synchronised on this table (normally called from the owning
 * domain's executor). Hypervisor-side methods may run on any peer's thread and are serialised by an internal lock.
 * The only state the two sides share is the entry words in guest memory, accessed atomically.
 */
public final class GrantTable {
    /** Xen's default {@code gnttab_max_frames} (docs/misc/xen-command-line). */
    public static final int DEFAULT_MAX_FRAMES = 64;

    private final int domid;
    private final GuestMemory memory;
    private final int maxFrames;
    private final Executor ownerExecutor;

    // Replaced (never mutated) when the table grows, so peers' threads can read it without the lock.
    private volatile MemorySegment[] frames = new MemorySegment[0];
    private long[] frameGfns = new long[0]; // guarded by this

    // Granting side, guarded by this.
    private int[] freeStack = new int[64];
    private int freeTop;
    private int highWater = GNTTAB_NR_RESERVED_ENTRIES;
    private int granted;
    private final Map<Integer, Runnable> deferred = new HashMap<>();

    // Hypervisor side, guarded by active.
    private final Object active = new Object();
    private int[] readPins = new int[0];
    private int[] writePins = new int[0];
    private long[] activeFrame = new long[0];
    private int totalPins;
    private boolean dead;
    private Runnable onDrained;

    public GrantTable(int domid, GuestMemory memory, int maxFrames, Executor ownerExecutor) {
        if (maxFrames < 1) {
            throw new IllegalArgumentException("maxFrames: " + maxFrames + " (expected: >= 1)");
        }
        this.domid = domid;
        this.memory = Objects.requireNonNull(memory, "memory");
        this.maxFrames = maxFrames;
        this.ownerExecutor = Objects.requireNonNull(ownerExecutor, "ownerExecutor");
        synchronized (this) {
            if (!grow()) {
                throw new IllegalStateException("domain " + domid + ": no free frame for its grant table");
            }
        }
    }

    public int domid() {
        return domid;
    }

    /** Entries the table has room for now ({@code nr_grant_entries}); it grows on demand. */
    public int capacity() {
        return frames.length * ENTRIES_PER_FRAME;
    }

    public int maxEntries() {
        return maxFrames * ENTRIES_PER_FRAME;
    }

    /** The gfns of the table's frames, in order (what a guest would have mapped with setup_table). */
    public synchronized long[] frameGfns() {
        return frameGfns.clone();
    }

    // ---------------------------------------------------------------- granting side

    /**
     * Grants {@code peerDomid} access to frame {@code gfn} of this domain and returns the grant ref, or
     * {@code -XEN_ENOSPC} when the table is full at its maximum size.
     */
    public synchronized int grantAccess(int peerDomid, long gfn, boolean readonly) {
        checkGrantArgs(peerDomid, gfn);
        int ref = takeFreeRef();
        if (ref < 0) {
            return -XenErrno.XEN_ENOSPC;
        }
        writeEntry(ref, peerDomid, gfn, readonly);
        granted++;
        return ref;
    }

    /** Fills one of the reserved refs (0..7), as the toolstack does for the console and xenstore rings. */
    public synchronized void grantReserved(int ref, int peerDomid, long gfn, boolean readonly) {
        if (ref < 0 || ref >= GNTTAB_NR_RESERVED_ENTRIES) {
            throw new IllegalArgumentException("ref: " + ref + " (expected: a reserved ref 0.."
                    + (GNTTAB_NR_RESERVED_ENTRIES - 1) + ")");
        }
        checkGrantArgs(peerDomid, gfn);
        if ((flags(ref) & GTF_type_mask) != 0) {
            throw new IllegalStateException("ref: " + ref + " (expected: an unused reserved ref)");
        }
        writeEntry(ref, peerDomid, gfn, readonly);
        granted++;
    }

    private void checkGrantArgs(int peerDomid, long gfn) {
        if (peerDomid < 0 || peerDomid > 0xFFFF) {
            throw new IllegalArgumentException("peerDomid: " + peerDomid + " (expected: a u16 domid)");
        }
        if (!memory.contains(gfn) || gfn > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("gfn: " + gfn + " (expected: a frame of domain " + domid + ")");
        }
    }

    private void writeEntry(int ref, int peerDomid, long gfn, boolean readonly) {
        MemorySegment table = frameOf(ref);
        long at = entryOffset(ref);
        table.set(Layouts.U16, at + DOMID_OFFSET, (short) peerDomid);
        table.set(Layouts.U32, at + FRAME_OFFSET, (int) gfn);
        // Release: domid and frame become visible before the type that makes the entry live (the wmb in
        // grant_table.h's "create" rule); pairs with the acquire read of the word in pin().
        Layouts.ATOMIC_U16.setRelease(table, at + FLAGS_OFFSET,
                (short) (GTF_permit_access | (readonly ? GTF_readonly : 0)));
    }

    /**
     * Revokes {@code ref} if the peer is not using it: clears the entry and frees the ref for reuse. Returns false,
     * changing nothing, while the peer has it mapped or mid-copy ({@code GTF_reading}/{@code GTF_writing} set).
     */
    public synchronized boolean endForeignAccess(int ref) {
        checkOwnRef(ref);
        MemorySegment table = frameOf(ref);
        long at = entryOffset(ref);
        while (true) {
            // flags and domid form one aligned 32-bit word; 16-bit compare-and-set is not available on memory
            // segments, and Xen updates the same combined word, so the CAS covers both and changes only flags.
            int word = (int) Layouts.ATOMIC_U32.getVolatile(table, at);
            if ((word & (GTF_reading | GTF_writing)) != 0) {
                return false;
            }
            // The compare-and-set loses to Xen setting a use bit in between; then we look again.
            if (Layouts.ATOMIC_U32.compareAndSet(table, at, word, word & 0xFFFF_0000)) {
                break;
            }
        }
        granted--;
        if (ref >= GNTTAB_NR_RESERVED_ENTRIES) {
            pushFreeRef(ref);
        }
        return true;
    }

    /**
     * Revokes {@code ref} now if possible, otherwise as soon as the peer lets go (Linux since XSA-396 defers the
     * revocation and keeps the page rather than failing or freeing a page the peer can still write).
     * {@code onReleased} runs once the grant is gone — at once on this thread, or later on the owning domain's
     * executor — so the caller can free the frame then and not before.
     *
     * @return true when revoked at once
     */
    public synchronized boolean endForeignAccessDeferred(int ref, Runnable onReleased) {
        Objects.requireNonNull(onReleased, "onReleased");
        if (!deferred.isEmpty() && deferred.containsKey(ref)) {
            throw new IllegalStateException("ref: " + ref + " (already waiting to be revoked)");
        }
        if (endForeignAccess(ref)) {
            onReleased.run();
            return true;
        }
        deferred.put(ref, onReleased);
        return false;
    }

    private synchronized void retryDeferred(int ref) {
        Runnable onReleased = deferred.get(ref);
        if (onReleased != null && endForeignAccess(ref)) {
            deferred.remove(ref);
            onReleased.run();
        }
    }

    /** True when the peer currently has {@code ref} in use (mapped, or in the middle of a copy). */
    public boolean isInUse(int ref) {
        return (flags(ref) & (GTF_reading | GTF_writing)) != 0;
    }

    /** True when {@code ref} currently grants access (its type is {@code GTF_permit_access}). */
    public boolean isGranted(int ref) {
        return ref >= 0 && ref < capacity() && (flags(ref) & GTF_type_mask) == GTF_permit_access;
    }

    /** The raw {@code flags} of entry {@code ref}, as the shared table holds them. */
    public int flags(int ref) {
        return Short.toUnsignedInt((short) Layouts.ATOMIC_U16.getVolatile(frameOf(ref),
                entryOffset(ref) + FLAGS_OFFSET));
    }

    /** Refs currently granted (not yet revoked), including reserved ones. */
    public synchronized int grantedCount() {
        return granted;
    }

    /** Refs whose revocation is waiting for the peer to let go. */
    public synchronized int deferredCount() {
        return deferred.size();
    }

    private void checkOwnRef(int ref) {
        if (ref < 0 || ref >= capacity() || (flags(ref) & GTF_type_mask) == 0) {
            throw new IllegalArgumentException("ref: " + ref + " (expected: a ref domain " + domid
                    + " has granted)");
        }
    }

    private int takeFreeRef() {
        if (freeTop > 0) {
            return freeStack[--freeTop];
        }
        if (highWater >= capacity() && !grow()) {
            return -1;
        }
        return highWater++;
    }

    private void pushFreeRef(int ref) {
        if (freeTop == freeStack.length) {
            freeStack = Arrays.copyOf(freeStack, freeStack.length * 2);
        }
        freeStack[freeTop++] = ref;
    }

    /** Adds one frame to the table; false at the maximum or when the domain has no free frame. */
    private boolean grow() {
        MemorySegment[] current = frames;
        if (current.length >= maxFrames) {
            return false;
        }
        long gfn = memory.allocateFrame();
        if (gfn < 0) {
            return false;
        }
        int entries = (current.length + 1) * ENTRIES_PER_FRAME;
        synchronized (active) {
            readPins = Arrays.copyOf(readPins, entries);
            writePins = Arrays.copyOf(writePins, entries);
            activeFrame = Arrays.copyOf(activeFrame, entries);
        }
        frameGfns = Arrays.copyOf(frameGfns, current.length + 1);
        frameGfns[current.length] = gfn;
        MemorySegment[] grown = Arrays.copyOf(current, current.length + 1);
        grown[current.length] = memory.frame(gfn);
        frames = grown;
        return true;
    }

    private MemorySegment frameOf(int ref) {
        return frames[ref / ENTRIES_PER_FRAME];
    }

    private static long entryOffset(int ref) {
        return (long) (ref % ENTRIES_PER_FRAME) * LENGTH;
    }

    // ---------------------------------------------------------------- hypervisor side

    /**
     * Takes a use of entry {@code ref} for {@code callerDomid}: checks the ref's range, the type and the grantee,
     * and that a writable use is not asked of a read-only grant, then sets {@code GTF_reading} (and
     * {@code GTF_writing}) in the shared flags. Returns a {@code GNTST_*} code; on success
     * {@link #activeFrame(int)} names the frame.
     */
    short pin(int ref, int callerDomid, boolean readonly) {
        synchronized (active) {
            if (dead) {
                return GnttabStatus.GNTST_bad_domain;
            }
            MemorySegment[] table = frames;
            if (ref < 0 || ref >= table.length * ENTRIES_PER_FRAME) {
                return GnttabStatus.GNTST_bad_gntref; // Xen: "Bad ref"
            }
            MemorySegment frame = table[ref / ENTRIES_PER_FRAME];
            long at = entryOffset(ref);
            // The flags and domid halves are read and updated as one 32-bit word ("scombo" in Xen), so a
            // granter changing the domid cannot slip between the check and the update.
            for (int retries = 0; ; retries++) {
                // Acquire: pairs with the granter's setRelease of flags; domid and frame are then visible.
                int word = (int) Layouts.ATOMIC_U32.getAcquire(frame, at);
                int flags = word & 0xFFFF;
                int grantee = word >>> 16;
                if ((flags & GTF_type_mask) != GTF_permit_access || grantee != callerDomid) {
                    return GnttabStatus.GNTST_general_error; // Xen: "Bad flags or dom"
                }
                if (!readonly && (flags & GTF_readonly) != 0) {
                    return GnttabStatus.GNTST_general_error; // Xen: "Attempt to write-pin a r/o grant entry"
                }
                int pins = readPins[ref] + writePins[ref];
                long gfn = pins == 0 ? Integer.toUnsignedLong(frame.get(Layouts.U32, at + FRAME_OFFSET))
                        : activeFrame[ref];
                if (!memory.contains(gfn)) {
                    return GnttabStatus.GNTST_general_error; // Xen: "Could not pin the granted frame"
                }
                int updated = word | GTF_reading | (readonly ? 0 : GTF_writing);
                if (updated == word || Layouts.ATOMIC_U32.compareAndSet(frame, at, word, updated)) {
                    activeFrame[ref] = gfn;
                    if (readonly) {
                        readPins[ref]++;
                    } else {
                        writePins[ref]++;
                    }
                    totalPins++;
                    return GnttabStatus.GNTST_okay;
                }
                if (retries == 4) {
                    return GnttabStatus.GNTST_general_error; // Xen: "Shared grant entry is unstable"
                }
            }
        }
    }

    /** The frame a pinned entry refers to (fixed at the first pin, as Xen caches {@code act->frame}). */
    MemorySegment activeFrame(int ref) {
        synchronized (active) {
            return memory.frame(activeFrame[ref]);
        }
    }

    MemorySegment memoryFrames(long firstGfn, int count) {
        return memory.frames(firstGfn, count);
    }

    long activeGfn(int ref) {
        synchronized (active) {
            return activeFrame[ref];
        }
    }

    /** Gives back a use taken with {@link #pin}; clears the use bits no remaining use needs. */
    void unpin(int ref, boolean readonly) {
        boolean wakeGranter;
        Runnable drained = null;
        synchronized (active) {
            if (readonly) {
                if (readPins[ref] == 0) {
                    throw new IllegalStateException("ref " + ref + " of d" + domid + " has no read pin");
                }
                readPins[ref]--;
            } else {
                if (writePins[ref] == 0) {
                    throw new IllegalStateException("ref " + ref + " of d" + domid + " has no write pin");
                }
                writePins[ref]--;
            }
            totalPins--;
            int clear = (writePins[ref] == 0 ? GTF_writing : 0)
                    | (readPins[ref] + writePins[ref] == 0 ? GTF_reading : 0);
            if (clear != 0) {
                MemorySegment frame = frames[ref / ENTRIES_PER_FRAME];
                long at = entryOffset(ref);
                int word;
                do {
                    word = (int) Layouts.ATOMIC_U32.getVolatile(frame, at);
                } while (!Layouts.ATOMIC_U32.compareAndSet(frame, at, word, word & ~clear));
            }
            wakeGranter = readPins[ref] + writePins[ref] == 0;
            if (dead && totalPins == 0) {
                drained = onDrained;
                onDrained = null;
            }
        }
        if (drained != null) {
            drained.run();
        } else if (wakeGranter) {
            // The granter may be waiting to revoke this ref; it retries on its own executor, never on ours.
            boolean waiting;
            synchronized (this) {
                waiting = !deferred.isEmpty() && deferred.containsKey(ref);
            }
            if (waiting) {
                ownerExecutor.execute(() -> retryDeferred(ref));
            }
        }
    }

    /** Uses of this table's entries held by peers right now. */
    public int activePins() {
        synchronized (active) {
            return totalPins;
        }
    }

    /**
     * The domain is being destroyed: no new uses are granted ({@code GNTST_bad_domain}), and {@code onDrained}
     * runs once the last existing use is given back (at once if there is none). Until then the domain's memory
     * must stay alive, as Xen keeps a dying domain's pages while others still map them.
     */
    public void kill(Runnable onDrained) {
        boolean now;
        synchronized (active) {
            dead = true;
            now = totalPins == 0;
            if (!now) {
                this.onDrained = onDrained;
            }
        }
        if (now) {
            onDrained.run();
        }
    }

    @Override
    public String toString() {
        return "GrantTable[d" + domid + ", " + frames.length + "/" + maxFrames + " frames]";
    }
}
