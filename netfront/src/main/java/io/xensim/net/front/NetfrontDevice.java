package io.xensim.net.front;

import io.xensim.net.frame.EthernetHeader;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.guest.GuestNetInterface;
import io.xensim.net.guest.NetCounters;
import io.xensim.net.guest.NetOffloads;
import io.xensim.net.protocol.NetFeatures;
import io.xensim.net.protocol.NetbackFeatures;
import io.xensim.net.protocol.NetifRing;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.FrontendDevice;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.bus.XenbusDeviceException;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.bus.XenstoreReader;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * netfront: the guest's end of a Xen PV network interface ({@code vif}), and the {@link GuestNetInterface} the
 * guest's stack uses. This class is the xenbus side: the handshake, the negotiated features, and the device-wide
 * state; each queue's rings are {@link NetfrontQueue}, its transmit and receive paths {@link TxPath} and
 * {@link RxPath}.
 *
 * <p>Handshake ({@code talk_to_netback}): the backend must offer {@code feature-rx-copy} (otherwise the device is
 * refused: {@code xenbus_dev_fatal} with {@code ENODEV}); netfront reads its own {@code mac}, {@code mtu} and
 * {@code trusted} (absent means trusted), sets up min({@code multi-queue-max-queues}, its own maximum) queues, and
 * writes in one transaction {@code multi-queue-num-queues} (when the backend has {@code multi-queue-max-queues},
 * even for one queue), each queue's {@code tx-ring-ref}, {@code rx-ring-ref} and {@code event-channel-tx}/
 * {@code -rx} or {@code event-channel} (top level for one queue, {@code queue-N/} for several), then
 * {@code request-rx-copy}, {@code feature-rx-notify}, {@code feature-sg}, {@code feature-gso-tcpv4},
 * {@code feature-gso-tcpv6}, {@code feature-ipv6-csum-offload}; and switches straight to Connected (netfront
 * never writes Initialised). The link comes up when the backend is Connected.
 *
 * <p>A backend that goes away takes the link down: frames in flight or queued are dropped and counted, never
 * replayed; one that comes back gets fresh rings, grants and ports ({@code netfront_resume}, {@code xennet_connect}).
 * A backend that breaks the protocol badly marks the device broken ({@code "Disabled for further use"}): it stops
 * sending and receiving until the next connection, and only this device is affected.
 *
 * <p><b>Threading:</b> everything runs on the guest domain's executor: the handshake, {@link #send}, the event
 * handlers, and the receiver. The backend runs on its own domain's executor; only the rings' indices and granted
 * pages are shared, with the orderings of {@link io.xensim.xenbus.ring.FrontRing}.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netfront.c ({@code netback_changed}, {@code talk_to_netback},
 * {@code xennet_create_queues}, {@code setup_netfront}, {@code xennet_connect}, {@code netfront_resume},
 * {@code xennet_disconnect_backend}, {@code xennet_fix_features}, {@code xennet_start_xmit}).
 */
public final class NetfrontDevice extends FrontendDevice implements GuestNetInterface, QueueOwner {
    private static final Logger LOG = LoggerFactory.getLogger(NetfrontDevice.class);

    private final NetfrontConfig config;
    private final NetCounters counters = new NetCounters();
    private Consumer<Frame> receiver = f -> { };
    private MacAddress mac = MacAddress.ZERO;
    private int mtu = NetFeatures.DEFAULT_MTU;
    private boolean trusted = true;
    private Optional<NetbackFeatures> backendFeatures = Optional.empty();
    private NetOffloads offloads = NetOffloads.NONE;
    private List<NetfrontQueue> queues = List.of();
    /** {@code info->broken}, with why: set by a misbehaving backend, cleared by the next connection. */
    private Optional<String> broken = Optional.empty();

    public NetfrontDevice(XenbusDevice device, NetfrontConfig config) {
        super(device);
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    protected XenbusState stateAfterPublish() {
        return XenbusState.CONNECTED; // netback_changed(): InitWait -> xennet_connect -> Connected
    }

    @Override
    protected CompletableFuture<Map<String, String>> talkToBackend(XenstoreReader backend) {
        var features = NetbackFeatures.read(backend);
        var maxQueuesKey = backend.read(NetFeatures.MULTI_QUEUE_MAX_QUEUES);
        XenstoreReader own = device.own();
        var macKey = own.readRequired(NetFeatures.MAC);
        var mtuKey = own.readUnsigned(NetFeatures.MTU, NetFeatures.DEFAULT_MTU);
        var trustedKey = own.readUnsigned(NetFeatures.TRUSTED, 1);
        return CompletableFuture.allOf(features, maxQueuesKey, macKey, mtuKey, trustedKey).thenApply(v -> {
            NetbackFeatures f = features.join();
            if (!f.rxCopy()) {
                // xennet_connect(): "backend does not support copying receive path", -ENODEV.
                throw new XenbusDeviceException(XenErrno.XEN_ENODEV, "backend does not support copying receive"
                        + " path (" + backend.path(NetFeatures.FEATURE_RX_COPY) + " is not 1)");
            }
            try {
                mac = MacAddress.of(macKey.join());
            } catch (IllegalArgumentException e) {
                // talk_to_netback(): xen_net_read_mac() failed: "parsing <nodename>/mac".
                throw new XenbusDeviceException(XenErrno.XEN_EINVAL, "parsing " + own.path(NetFeatures.MAC)
                        + ": " + e.getMessage());
            }
            trusted = trustedKey.join() != 0;
            backendFeatures = Optional.of(f);
            // xennet_fix_features(): no scatter-gather, no TSO, and frames of at most ETH_DATA_LEN.
            offloads = new NetOffloads(f.sg(), true, f.ipv6CsumOffload(), f.sg() && f.gsoTcpv4(),
                    f.sg() && f.gsoTcpv6());
            long wantedMtu = Math.min(mtuKey.join(), NetifRing.XEN_NETIF_MAX_TX_SIZE - EthernetHeader.LENGTH);
            mtu = (int) (f.sg() ? wantedMtu : Math.min(wantedMtu, NetFeatures.DEFAULT_MTU));
            // talk_to_netback(): "For the case of a reconnect reset the "broken" indicator."
            broken = Optional.empty();
            int n = Math.min(f.queuesToRequest(), config.maxQueues());
            List<NetfrontQueue> created = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                created.add(NetfrontQueue.setup(this, i, f.splitEventChannels(), config.txQueueLimit()));
            }
            queues = List.copyOf(created);
            Map<String, String> keys = new LinkedHashMap<>();
            if (maxQueuesKey.join().isPresent()) {
                keys.put(NetFeatures.MULTI_QUEUE_NUM_QUEUES, Integer.toString(n));
            }
            for (NetfrontQueue q : queues) {
                q.writeKeys(keys, n > 1);
            }
            keys.put(NetFeatures.REQUEST_RX_COPY, "1");
            keys.put(NetFeatures.FEATURE_RX_NOTIFY, "1");
            keys.put(NetFeatures.FEATURE_SG, "1");
            keys.put(NetFeatures.FEATURE_GSO_TCPV4, "1");
            keys.put(NetFeatures.FEATURE_GSO_TCPV6, "1");
            keys.put(NetFeatures.FEATURE_IPV6_CSUM_OFFLOAD, "1");
            return keys;
        });
    }

    @Override
    protected CompletableFuture<Void> connected(XenstoreReader backend) {
        // xennet_connect(): netif_carrier_on, then for each queue a kick, tx gc and an rx refill.
        for (NetfrontQueue q : queues) {
            q.start(device);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    protected void disconnect() {
        // xennet_disconnect_backend() and xennet_release_tx_bufs(): what was in flight or queued is dropped.
        int dropped = 0;
        for (NetfrontQueue q : queues) {
            dropped += q.tx().dropAll();
        }
        counters.countTxDropped(dropped);
        queues = List.of();
        offloads = NetOffloads.NONE;
    }

    // ------------------------------------------------------------------------------------------ QueueOwner

    @Override
    public boolean broken() {
        return broken.isPresent();
    }

    @Override
    public void markBroken(String why) {
        if (broken.isPresent()) {
            return;
        }
        broken = Optional.of(why);
        LOG.warn("dom{} vif/{}: {}; Disabled for further use", device.domid(), device.devid(), why);
        device.trace(TraceEvent.Kind.RING, why + "; Disabled for further use");
    }

    @Override
    public void deliver(Frame frame) {
        receiver.accept(frame);
    }

    // ------------------------------------------------------------------------------------------ GuestNetInterface

    @Override
    public MacAddress mac() {
        return mac;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public LinkState linkState() {
        if (broken.isPresent() && phase().hasTransport()) {
            return LinkState.BROKEN;
        }
        return isConnected() ? LinkState.UP : LinkState.DOWN;
    }

    @Override
    public NetOffloads offloads() {
        return offloads;
    }

    @Override
    public NetCounters counters() {
        return counters;
    }

    @Override
    public SendResult send(Frame frame) {
        assert device.domain().executor().inExecutor();
        SendResult refused = check(frame);
        if (refused != null) {
            counters.countTxDropped(1);
            return refused;
        }
        NetfrontQueue q = queues.get(FlowHash.select(frame.data(), queues.size()));
        return q.tx().send(frame);
    }

    private SendResult check(Frame frame) {
        if (linkState() != LinkState.UP) {
            return SendResult.DROPPED_LINK_DOWN;
        }
        if (frame.length() > NetifRing.XEN_NETIF_MAX_TX_SIZE) {
            // xennet_start_xmit(): "skb->len = %u, too big for wire format".
            return SendResult.DROPPED_TOO_BIG;
        }
        if (!frame.offload().isGso() && frame.length() > mtu + EthernetHeader.VLAN_LENGTH) {
            return SendResult.DROPPED_TOO_BIG;
        }
        if (!offloads.allowsGso(frame)) {
            return SendResult.DROPPED_OFFLOAD_NOT_NEGOTIATED;
        }
        return null;
    }

    @Override
    public void setReceiver(Consumer<Frame> receiver) {
        this.receiver = Objects.requireNonNull(receiver, "receiver");
    }

    @Override
    public int txQueued() {
        return queues.stream().mapToInt(q -> q.tx().queuedFrames()).sum();
    }

    @Override
    public int txQueueLimit() {
        return config.txQueueLimit();
    }

    // ------------------------------------------------------------------------------------------ status

    /** Whether the toolstack marked the backend trusted ({@code trusted}, absent = trusted). */
    public boolean trusted() {
        return trusted;
    }

    /** Why the device disabled itself, while it is disabled. */
    public Optional<String> brokenReason() {
        return broken;
    }

    public Optional<NetbackFeatures> backendFeatures() {
        return backendFeatures;
    }

    /** Queues of the current connection (0 while not connected). */
    public int queueCount() {
        return queues.size();
    }

    NetfrontQueue queue(int i) {
        return queues.get(i);
    }
}
