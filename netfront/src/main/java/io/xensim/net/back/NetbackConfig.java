package io.xensim.net.back;

/**
 * Netback's module parameters: {@code maxQueues} is {@code xenvif_max_queues} (offered as
 * {@code multi-queue-max-queues}; Linux defaults to the number of CPUs, xensim to {@link #DEFAULT_MAX_QUEUES}).
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/netback.c module parameters.
 */
public record NetbackConfig(int maxQueues) {
    public static final int DEFAULT_MAX_QUEUES = 4;

    public NetbackConfig {
        if (maxQueues < 1) {
            throw new IllegalArgumentException("maxQueues: " + maxQueues + " (expected: >= 1)");
        }
    }

    public static NetbackConfig defaults() {
        return new NetbackConfig(DEFAULT_MAX_QUEUES);
    }
}
