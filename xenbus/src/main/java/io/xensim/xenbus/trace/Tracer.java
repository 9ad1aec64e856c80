package io.xensim.xenbus.trace;

/**
 * Where {@link TraceEvent}s go. The default is {@link #NONE}, which costs one interface call and no allocation
 * when callers guard with {@link #enabled()}.
 *
 * <p>Threading: {@link #record} is called from any domain's executor; implementations must be thread-safe.
 */
@FunctionalInterface
public interface Tracer {
    Tracer NONE = new Tracer() {
        @Override
        public void record(TraceEvent event) {
        }

        @Override
        public boolean enabled() {
            return false;
        }
    };

    void record(TraceEvent event);

    /** False when recording would be thrown away, so callers can skip building the detail string. */
    default boolean enabled() {
        return true;
    }
}
