package io.xensim.net.back;

import io.xensim.net.protocol.NetFeatures;
import io.xensim.net.protocol.NetfrontQueues;
import io.xensim.net.protocol.NetifRing;
import io.xensim.xenbus.bus.BackendDevice;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.bus.XenstoreReader;
import io.xensim.xenbus.ring.BackRing;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netback's xenbus side for one vif: on probe it offers its features and goes to InitWait; when the frontend is
 * Connected it reads the queue count ({@code multi-queue-num-queues}, absent is 1; 0 or above
 * {@code multi-queue-max-queues} is {@code xenbus_dev_fatal} with {@code EINVAL}), the frontend's flags
 * ({@link VifFlags}: {@code request-rx-copy} must be 1), and each queue's {@code tx-ring-ref}/{@code rx-ring-ref}
 * and event channels (top level for one queue, {@code queue-N/} for several); maps the rings, binds the channels,
 * turns the vif's carrier on, and switches to Connected only once its own {@code hotplug-status} reads exactly
 * {@code connected} (the vif-bridge script has attached the vif to its bridge).
 *
 * <p>Multicast control: the probe offers {@code feature-multicast-control} and
 * {@code feature-dynamic-multicast-control}; while connected the frontend's {@code request-multicast-control} is
 * watched and switches the vif's {@link VifMcastFilter} on and off.
 *
 * <p>Closing, the toolstack's unplug ({@code online} = 0, Closing) and a frontend that returns to Initialising
 * (a fresh InitWait) are the {@link BackendDevice} handshake. The {@link Vif} lives as long as this device: a
 * fatal frontend error disables it across reconnects, until the toolstack re-creates the backend directory.
 *
 * <p><b>Threading:</b> everything runs on the backend domain's executor.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/xenbus.c ({@code netback_probe}, {@code connect},
 * {@code connect_data_rings}, {@code read_xenbus_vif_flags}, {@code hotplug_status_changed},
 * {@code xen_register_mcast_ctrl_watch}).
 */
public final class NetbackDevice extends BackendDevice {
    private static final Logger log = LoggerFactory.getLogger(NetbackDevice.class);
    private final NetbackConfig config;
    private final Vif vif;
    private final List<NetbackQueue> queues = new ArrayList<>();
    private CompletableFuture<Map<String, String>> hotplugWait;

    private final TxTimers timers;

    NetbackDevice(XenbusDevice device, NetbackConfig config, TxTimers timers) {
        super(device);
        this.config = config;
        this.timers = timers;
        this.vif = new Vif(device.frontendDomid(), device.devid());
    }

    public Vif vif() {
        return vif;
    }

    /** {@code netback_probe}: the keys and their order as Linux writes them (no control ring here). */
    @Override
    protected Map<String, String> features() {
        Map<String, String> keys = new LinkedHashMap<>();
        NetbackOffer offer = config.offer();
        keys.put(NetFeatures.FEATURE_SG, bit(offer.sg()));
        keys.put(NetFeatures.FEATURE_GSO_TCPV4, bit(offer.gsoTcpv4()));
        keys.put(NetFeatures.FEATURE_GSO_TCPV6, bit(offer.gsoTcpv6()));
        keys.put(NetFeatures.FEATURE_IPV6_CSUM_OFFLOAD, bit(offer.ipv6CsumOffload()));
        keys.put(NetFeatures.FEATURE_RX_COPY, "1");
        keys.put(NetFeatures.FEATURE_RX_FLIP, "0");
        keys.put(NetFeatures.FEATURE_MULTICAST_CONTROL, "1");
        keys.put(NetFeatures.FEATURE_DYNAMIC_MULTICAST_CONTROL, "1");
        keys.put(NetFeatures.FEATURE_SPLIT_EVENT_CHANNELS, bit(offer.splitEventChannels()));
        keys.put(NetFeatures.MULTI_QUEUE_MAX_QUEUES, Integer.toString(config.maxQueues()));
        return keys;
    }

    private static String bit(boolean on) {
        return on ? "1" : "0";
    }

    @Override
    protected List<String> awaitedFrontendKeys() {
        return List.of(NetFeatures.TX_RING_REF, NetFeatures.RX_RING_REF);
    }

    @Override
    protected CompletableFuture<Map<String, String>> connect(XenstoreReader frontend) {
        watchMulticastControl(frontend);
        return NetfrontQueues.read(frontend, config.maxQueues())
                .thenCombine(VifFlags.read(frontend), (fq, flags) -> {
                    // connect_data_rings() per queue: map both rings, then bind the channel(s).
                    for (int i = 0; i < fq.queues().size(); i++) {
                        NetfrontQueues.Queue q = fq.queues().get(i);
                        var txMap = device.mapRing(new int[] {q.txRingRef()});
                        var rxMap = device.mapRing(new int[] {q.rxRingRef()});
                        var queue = new NetbackQueue(this, i, BackRing.init(txMap.area(), NetifRing.TX),
                                BackRing.init(rxMap.area(), NetifRing.RX), flags,
                                config.txPolicy(vif.name()), timers);
                        queues.add(queue);
                        if (q.split()) {
                            int tx = device.bindInterdomainEvtchn(q.txEvtchn(), p -> queue.onTxEvent());
                            int rx = device.bindInterdomainEvtchn(q.rxEvtchn(), p -> queue.onRxEvent());
                            queue.bound(tx, rx);
                        } else {
                            int port = device.bindInterdomainEvtchn(q.txEvtchn(), p -> queue.onEvent());
                            queue.bound(port, port);
                        }
                    }
                    vif.connect(queues, flags);
                    if (vif.disabled()) {
                        // xenvif_tx_poll: a disabled vif's rings are not served, whatever the frontend does.
                        queues.forEach(NetbackQueue::disable);
                    }
                    device.trace(TraceEvent.Kind.INFO, vif.name() + ": " + queues.size() + " queue(s), " + flags
                            + (vif.disabled() ? ", disabled: carrier stays off" : ", carrier on"));
                    return flags;
                })
                .thenCompose(flags -> awaitHotplugStatus());
    }

    /**
     * {@code xen_register_mcast_ctrl_watch}: the frontend's {@code request-multicast-control}, read when the watch
     * is set and whenever it changes ({@code xen_mcast_ctrl_changed}); released with the connection.
     */
    private void watchMulticastControl(XenstoreReader frontend) {
        String path = frontend.path(NetFeatures.REQUEST_MULTICAST_CONTROL);
        device.watch(path, (p, t) -> frontend.readFeature(NetFeatures.REQUEST_MULTICAST_CONTROL)
                .thenAccept(on -> {
                    if (phase().hasTransport()) { // a read still in flight after a disconnect is ignored
                        vif.mcast().setEnabled(on);
                    }
                }));
    }

    /** {@code hotplug_status_changed}: Connected waits until the script has written exactly "connected". */
    private CompletableFuture<Map<String, String>> awaitHotplugStatus() {
        var done = new CompletableFuture<Map<String, String>>();
        hotplugWait = done;
        String path = device.nodename() + "/" + DeviceConfig.HOTPLUG_STATUS;
        device.watch(path, (p, t) -> device.own().read(DeviceConfig.HOTPLUG_STATUS).thenAccept(status -> {
            if (hotplugWait == done && status.isPresent() && status.get().equals("connected")) {
                hotplugWait = null;
                device.unwatch(path);
                done.complete(Map.of());
            }
        }));
        return done;
    }

    @Override
    protected void disconnect() {
        // The mappings, ports and the hotplug watch go back with the device (releaseResources).
        hotplugWait = null;
        for (NetbackQueue q : queues) {
            q.stop();
        }
        queues.clear();
        vif.disconnect();
        if (device.isRemoved()) {
            // netback_remove -> xenvif_free -> unregister_netdev: a vif whose backend directory is gone (a driver
            // domain restart, removeBackend) leaves its bridge, whether or not a hotplug offline step runs.
            vif.detach();
        }
    }

    /** {@code xenvif_fatal_tx_err}: the frontend broke the protocol; the vif is disabled for good. */
    void fatalTxError(NetbackQueue queue, String cause) {
        String reason = vif.name() + " queue " + queue.index() + ": " + cause;
        if (!vif.disabled()) {
            // netdev_err(...) then xenvif_fatal_tx_err: logged once, with the domain and device.
            log.error("dom{} vif/{}: {}; disabling the vif", device.frontendDomid(), device.devid(), reason);
            device.trace(TraceEvent.Kind.INFO, "fatal error, disabling the vif: " + reason);
        }
        vif.disable(reason);
        for (NetbackQueue q : queues) {
            q.disable();
        }
    }

    /** Runs the queues' tx timers against {@code nowNs}; returns how many fired. */
    public int doWork(long nowNs) {
        int work = 0;
        for (NetbackQueue q : queues) {
            work += q.doWork(nowNs);
        }
        return work;
    }

    XenbusDevice xenbus() {
        return device;
    }

    @Override
    public String toString() {
        return super.toString() + " " + vif;
    }
}
