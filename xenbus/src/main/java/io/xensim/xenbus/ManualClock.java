package io.xensim.xenbus;

import java.util.concurrent.atomic.AtomicLong;

/** A {@link NanoClock} that moves only when told to: deterministic timeouts in tests and the learning CLI. */
public final class ManualClock implements NanoClock {
    private final AtomicLong now = new AtomicLong();

    @Override
    public long nanoTime() {
        return now.get();
    }

    public void advanceNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("nanos: " + nanos + " (expected: >= 0)");
        }
        now.addAndGet(nanos);
    }

    public void advanceMillis(long millis) {
        advanceNanos(millis * 1_000_000L);
    }
}
