package io.xensim.xenbus;

/**
 * How domains' executors are run (Aeron's threading modes).
 *
 * <ul>
 *   <li>{@link #INVOKER}: nothing runs until the caller steps the hypervisor ({@link Hypervisor#runUntilIdle()}):
 *       deterministic, for tests and the step-by-step teaching CLI.</li>
 *   <li>{@link #SHARED}: one thread runs every domain's work in turn.</li>
 *   <li>{@link #DEDICATED}: one thread per domain, as vCPUs would be; for benchmarks and concurrency tests.</li>
 * </ul>
 */
public enum ThreadingMode {
    INVOKER,
    SHARED,
    DEDICATED
}
