package io.xensim.xenbus.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A {@link Tracer} that keeps every event in memory, in the order recorded: what tests check order against and what
 * the timeline is rendered from.
 *
 * <p><b>Threading:</b> {@link #record} may be called from any thread (domains' executors); reads take a snapshot.
 */
public final class TraceRecorder implements Tracer {
    private final List<TraceEvent> events = new ArrayList<>();

    @Override
    public synchronized void record(TraceEvent event) {
        events.add(event);
    }

    /** A snapshot of the events recorded so far. */
    public synchronized List<TraceEvent> events() {
        return List.copyOf(events);
    }

    /** The events that match {@code filter}, in order. */
    public List<TraceEvent> events(Predicate<TraceEvent> filter) {
        return events().stream().filter(filter).toList();
    }

    public synchronized void clear() {
        events.clear();
    }
}
