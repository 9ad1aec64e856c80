package io.xensim.net.protocol;

/**
 * The xenstore keys of a vif: the backend's directory ({@code /local/domain/<backid>/backend/vif/<frontid>/<devid>/})
 * and the frontend's ({@code /local/domain/<frontid>/device/vif/<devid>/}). Values are decimal strings; booleans are
 * {@code "0"}/{@code "1"}.
 *
 * <p><b>Reference:</b> keys documented in xen/io/netif.h say so. {@code feature-sg}, {@code feature-rx-copy},
 * {@code feature-rx-flip}, {@code request-rx-copy}, {@code mac} and {@code handle} are not in the 4.17 headers;
 * their use here follows Linux ({@code drivers/net/xen-netfront.c}, {@code drivers/net/xen-netback/xenbus.c}):
 * netfront refuses to connect unless the backend's {@code feature-rx-copy} is non-zero, and netback requires the
 * frontend's {@code request-rx-copy} (only rx-copy exists).
 */
public final class NetFeatures {

    // ---- Backend directory, written by netback ----

    /** "1": netback accepts multi-slot packets ({@code NETTXF_more_data}) on tx. Linux; not in netif.h. */
    public static final String FEATURE_SG = "feature-sg";
    /** "1": can handle large TCPv4 packets (GSO extras); absent means not. netif.h: applies to both ends. */
    public static final String FEATURE_GSO_TCPV4 = "feature-gso-tcpv4";
    /** "1": can handle large TCPv6 packets; absent means not. Both ends. */
    public static final String FEATURE_GSO_TCPV6 = "feature-gso-tcpv6";
    /** "1": IPv4 TCP/UDP checksum offload off; absent means on. Linux netback reads the frontend's copy. */
    public static final String FEATURE_NO_CSUM_OFFLOAD = "feature-no-csum-offload";
    /** "1": IPv6 TCP/UDP checksum offload on; absent means off. Linux writes it at both ends. */
    public static final String FEATURE_IPV6_CSUM_OFFLOAD = "feature-ipv6-csum-offload";
    /** "1": netback copies received packets into granted pages (rx-copy). Linux; not in netif.h. */
    public static final String FEATURE_RX_COPY = "feature-rx-copy";
    /** "0": legacy page flipping, never offered. Linux; not in netif.h. */
    public static final String FEATURE_RX_FLIP = "feature-rx-flip";
    /** "1": netback can filter multicast, sampled when the frontend connects. */
    public static final String FEATURE_MULTICAST_CONTROL = "feature-multicast-control";
    /** "1": netback watches {@link #REQUEST_MULTICAST_CONTROL} and re-samples it at any time. */
    public static final String FEATURE_DYNAMIC_MULTICAST_CONTROL = "feature-dynamic-multicast-control";
    /** "1": netback accepts separate tx and rx event channels. */
    public static final String FEATURE_SPLIT_EVENT_CHANNELS = "feature-split-event-channels";
    /** The most queues netback supports; absent means single queue. */
    public static final String MULTI_QUEUE_MAX_QUEUES = "multi-queue-max-queues";
    /** "1": netback can use a control ring. */
    public static final String FEATURE_CTRL_RING = "feature-ctrl-ring";
    /** Link state: "1" up, "0" down; absent means up. */
    public static final String CARRIER = "carrier";
    /** The vif's handle (its devid); toolstack-written, Linux netback requires it. */
    public static final String HANDLE = "handle";

    // ---- Frontend directory, written by netfront (top level for one queue, under queue-N/ otherwise) ----

    /** Grant ref of the tx ring page. */
    public static final String TX_RING_REF = "tx-ring-ref";
    /** Grant ref of the rx ring page. */
    public static final String RX_RING_REF = "rx-ring-ref";
    /** The single event channel for both rings. */
    public static final String EVENT_CHANNEL = "event-channel";
    /** The tx event channel, instead of {@link #EVENT_CHANNEL}, with {@link #FEATURE_SPLIT_EVENT_CHANNELS}. */
    public static final String EVENT_CHANNEL_TX = "event-channel-tx";
    /** The rx event channel, instead of {@link #EVENT_CHANNEL}, with {@link #FEATURE_SPLIT_EVENT_CHANNELS}. */
    public static final String EVENT_CHANNEL_RX = "event-channel-rx";
    /** Number of queues wanted, 1..{@link #MULTI_QUEUE_MAX_QUEUES}; with 2 or more the ring keys move to queue-N/. */
    public static final String MULTI_QUEUE_NUM_QUEUES = "multi-queue-num-queues";
    /** "1": netfront wants rx-copy; netback requires it. Linux; not in netif.h. */
    public static final String REQUEST_RX_COPY = "request-rx-copy";
    /** "1": netfront notifies netback when it posts rx requests; without it netback cannot safely queue. */
    public static final String FEATURE_RX_NOTIFY = "feature-rx-notify";
    /** "1": enable multicast filtering (before Connected unless dynamic control is offered). */
    public static final String REQUEST_MULTICAST_CONTROL = "request-multicast-control";
    /** Grant ref of the control ring page; written before Connected. */
    public static final String CTRL_RING_REF = "ctrl-ring-ref";
    /** The control ring's event channel; written before Connected. */
    public static final String EVENT_CHANNEL_CTRL = "event-channel-ctrl";

    // ---- Frontend directory, written by the toolstack ----

    /** The guest MAC address, "aa:bb:cc:dd:ee:ff"; Linux netfront reads it from its own directory and needs it. */
    public static final String MAC = "mac";
    /** The MTU in octets; absent means {@link #DEFAULT_MTU}. The frontend may ignore it. */
    public static final String MTU = "mtu";
    /** "0": the frontend should not trust the backend. */
    public static final String TRUSTED = "trusted";

    /** The MTU a frontend assumes when {@link #MTU} is absent. */
    public static final int DEFAULT_MTU = 1500;

    private NetFeatures() {
    }

    /** The sub-directory of queue {@code n} ({@code "queue-N"}), used when two or more queues are requested. */
    public static String queueDir(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n: " + n + " (expected: >= 0)");
        }
        return "queue-" + n;
    }
}
