package io.xensim.xenbus;

/** The hypervisor's clock. Time is a parameter (STYLE.md §5): tests use a manual clock and never sleep. */
@FunctionalInterface
public interface NanoClock {
    NanoClock SYSTEM = System::nanoTime;

    long nanoTime();
}
