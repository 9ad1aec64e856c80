package io.xensim.net.front;

import io.xensim.net.protocol.NetFeatures;
import io.xensim.net.protocol.NetifRing;
import io.xensim.net.protocol.NetifRxRequest;
import io.xensim.net.protocol.NetifRxResponse;
import io.xensim.net.protocol.NetifTxRequest;
import io.xensim.net.protocol.NetifTxResponse;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.ring.FrontRing;
import java.util.Map;

/**
 * One netfront queue ({@code struct netfront_queue}): a TX ring and an RX ring of one page each, granted to the
 * backend, and either two event channels ({@code event-channel-tx}/{@code -rx}, when the backend offers
 * {@code feature-split-event-channels}) or one shared by both directions ({@code event-channel}). A device has
 * 1 to {@code multi-queue-max-queues} of them.
 *
 * <p>The rings, grants and ports come from the device's helpers, which give them back when the connection goes
 * ({@code XenbusDevice.releaseResources}); a queue never outlives its connection.
 *
 * <p><b>Threading:</b> the guest domain's executor, which also runs the event handlers.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netfront.c ({@code setup_netfront},
 * {@code setup_netfront_split}, {@code setup_netfront_single}, {@code write_queue_xenstore_keys},
 * {@code xennet_interrupt}, {@code xennet_tx_interrupt}, {@code xennet_rx_interrupt}).
 */
final class NetfrontQueue {
    private final int index;
    private final boolean split;
    private final int txRingRef;
    private final int rxRingRef;
    private int txPort = -1;
    private int rxPort = -1;
    private TxPath tx;
    private RxPath rx;

    private NetfrontQueue(int index, boolean split, int txRingRef, int rxRingRef) {
        this.index = index;
        this.split = split;
        this.txRingRef = txRingRef;
        this.rxRingRef = rxRingRef;
    }

    /** {@code setup_netfront}: rings, grants and event channels of queue {@code index}; RX buffers posted. */
    static NetfrontQueue setup(QueueOwner owner, int index, boolean split, int txQueueLimit) {
        XenbusDevice device = owner.device();
        var txPages = device.setupRing(1);
        var rxPages = device.setupRing(1);
        FrontRing<NetifTxRequest, NetifTxResponse> txRing = FrontRing.init(txPages.area(), NetifRing.TX);
        FrontRing<NetifRxRequest, NetifRxResponse> rxRing = FrontRing.init(rxPages.area(), NetifRing.RX);
        var queue = new NetfrontQueue(index, split, txPages.refs()[0], rxPages.refs()[0]);
        if (split) {
            // setup_netfront_split(): the tx port first, then the rx port.
            queue.txPort = device.allocEvtchn(p -> queue.tx.onEvent());
            queue.rxPort = device.allocEvtchn(p -> queue.rx.onEvent());
        } else {
            // setup_netfront_single(): xennet_interrupt serves both directions.
            queue.txPort = device.allocEvtchn(p -> {
                queue.tx.onEvent();
                queue.rx.onEvent();
            });
            queue.rxPort = queue.txPort;
        }
        queue.tx = new TxPath(owner, index, txRing, () -> {
            if (txRing.pushRequestsAndCheckNotify()) {
                device.notifyRemote(queue.txPort, "tx req_prod " + Integer.toUnsignedString(txRing.reqProd()));
            }
        }, txQueueLimit);
        queue.rx = new RxPath(owner, index, rxRing, () -> {
            if (rxRing.pushRequestsAndCheckNotify()) {
                device.notifyRemote(queue.rxPort, "rx req_prod " + Integer.toUnsignedString(rxRing.reqProd()));
            }
        });
        // xennet_connect() posts the rx buffers right after talk_to_netback; here before publishing, which the
        // backend cannot tell apart (it reads req_prod only once it has mapped the ring).
        queue.rx.refill(false);
        rxRing.pushRequests();
        return queue;
    }

    /** {@code write_queue_xenstore_keys}: this queue's keys, under {@code queue-N/} when {@code hierarchical}. */
    void writeKeys(Map<String, String> keys, boolean hierarchical) {
        String prefix = hierarchical ? NetFeatures.queueDir(index) + "/" : "";
        keys.put(prefix + NetFeatures.TX_RING_REF, Integer.toUnsignedString(txRingRef));
        keys.put(prefix + NetFeatures.RX_RING_REF, Integer.toUnsignedString(rxRingRef));
        if (split) {
            keys.put(prefix + NetFeatures.EVENT_CHANNEL_TX, Integer.toString(txPort));
            keys.put(prefix + NetFeatures.EVENT_CHANNEL_RX, Integer.toString(rxPort));
        } else {
            keys.put(prefix + NetFeatures.EVENT_CHANNEL, Integer.toString(txPort));
        }
    }

    /** {@code xennet_connect}'s last step for a queue: kick the backend, collect completions, top up rx. */
    void start(XenbusDevice device) {
        device.notifyRemote(txPort, "connect");
        if (rxPort != txPort) {
            device.notifyRemote(rxPort, "connect");
        }
        tx.onEvent();
        rx.refill(true);
    }

    int index() {
        return index;
    }

    TxPath tx() {
        return tx;
    }

    RxPath rx() {
        return rx;
    }

    int txPort() {
        return txPort;
    }

    int rxPort() {
        return rxPort;
    }
}
