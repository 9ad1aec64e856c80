package io.xensim.xenbus;

import java.util.BitSet;

/**
 * INVOKER mode's ready set: which domain executors have queued work, by creation index, so that the stepper visits
 * only those instead of polling every domain on every pass. A real host's scheduler does not poll idle vCPUs
 * either; with a thousand guests, polling them all made each task cost O(guests).
 *
 * <p>The stepper keeps its order: a pass visits the executors that existed when it began, in creation order, and
 * runs one task of each that has work at the moment it is reached — exactly what a pass over the whole list did
 * (an executor that gets work from one earlier in the pass still runs in it; one earlier in the order waits for
 * the next pass).
 *
 * <p><b>Threading:</b> {@link #set}/{@link #clear} are called by {@link DomainExecutor} while it holds its queue's
 * lock (so a bit always agrees with its queue: lock order queue, then this); the stepper thread reads. All
 * methods synchronise on this.
 */
final class ReadyExecutors {
    private final BitSet ready = new BitSet();

    synchronized void set(int index) {
        ready.set(index);
    }

    synchronized void clear(int index) {
        ready.clear(index);
    }

    /** The first executor index at or after {@code from} and below {@code limit} with work, or -1. */
    synchronized int next(int from, int limit) {
        int i = ready.nextSetBit(from);
        return i >= 0 && i < limit ? i : -1;
    }

    synchronized boolean any() {
        return !ready.isEmpty();
    }
}
