package io.xensim.net.back;

import java.util.Map;
import java.util.Objects;

/**
 * Netback's module parameters: {@code maxQueues} is {@code xenvif_max_queues} (offered as
 * {@code multi-queue-max-queues}; Linux defaults to the number of CPUs, xensim to {@link #DEFAULT_MAX_QUEUES});
 * {@code txPolicy} is each vif's {@link TxPolicy} unless {@code perVif} names the vif ({@code vif1.0});
 * {@code offer} is which optional features the probe offers ({@link NetbackOffer#LINUX} unless a test withholds some).
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/netback.c module parameters; the tx policies are the
 * seed's virtio-net choice, which Linux netback does not have.
 */
public record NetbackConfig(int maxQueues, TxPolicy txPolicy, Map<String, TxPolicy> perVif, NetbackOffer offer) {
    public static final int DEFAULT_MAX_QUEUES = 4;

    public NetbackConfig {
        if (maxQueues < 1) {
            throw new IllegalArgumentException("maxQueues: " + maxQueues + " (expected: >= 1)");
        }
        Objects.requireNonNull(txPolicy, "txPolicy");
        perVif = Map.copyOf(perVif);
        Objects.requireNonNull(offer, "offer");
    }

    public NetbackConfig(int maxQueues, TxPolicy txPolicy, Map<String, TxPolicy> perVif) {
        this(maxQueues, txPolicy, perVif, NetbackOffer.LINUX);
    }

    public NetbackConfig(int maxQueues) {
        this(maxQueues, TxPolicy.immediate(), Map.of());
    }

    public static NetbackConfig defaults() {
        return new NetbackConfig(DEFAULT_MAX_QUEUES);
    }

    /** The same with {@code vifName}'s tx policy set to {@code policy}. */
    public NetbackConfig withTxPolicy(String vifName, TxPolicy policy) {
        var next = new java.util.HashMap<>(perVif);
        next.put(vifName, policy);
        return new NetbackConfig(maxQueues, txPolicy, next, offer);
    }

    /** The same offering {@code next}'s features. */
    public NetbackConfig withOffer(NetbackOffer next) {
        return new NetbackConfig(maxQueues, txPolicy, perVif, next);
    }

    /** The same with at most {@code n} queues ({@code multi-queue-max-queues}). */
    public NetbackConfig withMaxQueues(int n) {
        return new NetbackConfig(n, txPolicy, perVif, offer);
    }

    /** The same with every vif's default tx policy {@code policy}. */
    public NetbackConfig withTxPolicy(TxPolicy policy) {
        return new NetbackConfig(maxQueues, policy, perVif, offer);
    }

    public TxPolicy txPolicy(String vifName) {
        return perVif.getOrDefault(vifName, txPolicy);
    }
}
