package io.xensim.blk.front;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The guest's request queue in front of blkfront's rings (Linux's blk-mq software queues and requeue list): pieces
 * wait here, in order, while the rings are full or the backend is away, and are cut to the backend's limits as they
 * leave.
 *
 * <p><b>Threading:</b> the guest domain's executor.
 *
 * <p><b>Reference:</b> Linux's block layer splitting a bio to the queue limits ({@code blk_queue_max_segments},
 * {@code bio_split}); {@code blk_mq_requeue_request} for the requests blkfront re-queues on recovery.
 */
final class BlkQueue {
    private final ArrayDeque<Piece> pending = new ArrayDeque<>();

    void add(Piece piece) {
        pending.addLast(piece);
    }

    /** Puts {@code pieces} back at the front, keeping their order (blkif_recover re-issues before new work). */
    void requeueFront(List<Piece> pieces) {
        for (int i = pieces.size() - 1; i >= 0; i--) {
            pending.addFirst(pieces.get(i));
        }
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    int size() {
        return pending.size();
    }

    Piece peek() {
        return pending.peekFirst();
    }

    Piece poll() {
        return pending.pollFirst();
    }

    /**
     * Cuts the head piece so that it needs at most {@code maxSegments} segments: the first part stays at the head,
     * the rest right behind it. Flush and discard pieces are never cut.
     */
    Piece fitHead(int maxSegments) {
        Piece head = pending.peekFirst();
        if (head == null || !head.io().kind.hasData()) {
            return head;
        }
        long fits = BlkSegments.maxSectors(head.pageOffset(), maxSegments);
        if (head.nrSectors() <= fits) {
            return head;
        }
        pending.pollFirst();
        pending.addFirst(head.tail(fits));
        Piece first = head.head(fits);
        pending.addFirst(first);
        return first;
    }

    /** Empties the queue and returns the operations it held (an operation cut in pieces may come more than once). */
    Collection<GuestIo> drain() {
        List<GuestIo> ios = new ArrayList<>();
        for (Piece p : pending) {
            ios.add(p.io());
        }
        pending.clear();
        return ios;
    }
}
