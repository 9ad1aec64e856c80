package io.xensim.net.front;

/**
 * The knobs of a netfront driver, as Linux's module parameters and interface settings give them.
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netfront.c ({@code xennet_max_queues}); {@code txqueuelen}.
 *
 * @param maxQueues    {@code xennet_max_queues}: the most queues asked for (fewer if the backend offers fewer)
 * @param txQueueLimit {@code txqueuelen}: frames each queue holds while its ring is short of slots
 */
public record NetfrontConfig(int maxQueues, int txQueueLimit) {
    /** One queue, as a one-vCPU guest gets; Linux's default {@code txqueuelen} of 1000. */
    public static final NetfrontConfig DEFAULT = new NetfrontConfig(1, 1000);

    public NetfrontConfig {
        if (maxQueues < 1 || maxQueues > 8) {
            throw new IllegalArgumentException("maxQueues: " + maxQueues + " (expected: 1..8)");
        }
        if (txQueueLimit < 0) {
            throw new IllegalArgumentException("txQueueLimit: " + txQueueLimit + " (expected: >= 0)");
        }
    }

    public NetfrontConfig withMaxQueues(int n) {
        return new NetfrontConfig(n, txQueueLimit);
    }

    public NetfrontConfig withTxQueueLimit(int n) {
        return new NetfrontConfig(maxQueues, n);
    }
}
