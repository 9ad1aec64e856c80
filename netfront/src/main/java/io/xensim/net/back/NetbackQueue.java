package io.xensim.net.back;

import io.xensim.net.protocol.NetifRxRequest;
import io.xensim.net.protocol.NetifRxResponse;
import io.xensim.net.protocol.NetifTxRequest;
import io.xensim.net.protocol.NetifTxResponse;
import io.xensim.xenbus.ring.BackRing;

/**
 * One queue of a vif: its tx ring (the guest's packets out), its rx ring (pages the guest posts for packets in),
 * and the event channel(s) — one for both rings, or one each with {@code feature-split-event-channels}. An event
 * on the tx channel runs the {@link TxPath}; on the rx channel the {@link RxPath} (the guest posted pages).
 *
 * <p><b>Threading:</b> confined to the backend domain's executor, which drives this queue's ring ends.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/interface.c ({@code xenvif_tx_interrupt},
 * {@code xenvif_rx_interrupt}, {@code xenvif_interrupt} for a shared channel, {@code xenvif_connect_data}).
 */
public final class NetbackQueue {
    private final NetbackDevice owner;
    private final int index;
    private final TxPath tx;
    private final RxPath rx;
    private final NetdevTxQueue netdev;
    private int txPort = -1;
    private int rxPort = -1;
    private boolean running = true;

    NetbackQueue(NetbackDevice owner, int index, BackRing<NetifTxRequest, NetifTxResponse> txRing,
            BackRing<NetifRxRequest, NetifRxResponse> rxRing, VifFlags flags, TxPolicy txPolicy, TxTimers timers) {
        this.owner = owner;
        this.index = index;
        var xenbus = owner.xenbus();
        this.tx = new TxPath(this, txRing, xenbus.domain(), xenbus.otherendId(), txPolicy, timers);
        try {
            this.rx = new RxPath(this, rxRing, xenbus.domain(), xenbus.otherendId(), flags);
        } catch (RuntimeException e) {
            tx.release();   // the tx path's staging pages would otherwise outlive the failed connect
            throw e;
        }
        this.netdev = new NetdevTxQueue(owner.vif(), rx, xenbus.domain().executor());
    }

    public int index() {
        return index;
    }

    public TxPath tx() {
        return tx;
    }

    public RxPath rx() {
        return rx;
    }

    /** The vif's netdev transmit queue and qdisc in front of {@link #rx}: what the bridge hands frames to. */
    public NetdevTxQueue netdev() {
        return netdev;
    }

    void bound(int txPort, int rxPort) {
        this.txPort = txPort;
        this.rxPort = rxPort;
    }

    boolean running() {
        return running;
    }

    void onTxEvent() {
        if (running) {
            tx.onNotify(nowNs());
        }
    }

    /** The tx timer ({@link TxPolicy.Mode#TIMER}); returns the work done. */
    int doWork(long nowNs) {
        return running ? tx.doWork(nowNs) : 0;
    }

    void onRxEvent() {
        if (running) {
            rx.run();
        }
    }

    /** {@code xenvif_interrupt}: a shared channel means both rings may have work. */
    void onEvent() {
        onTxEvent();
        onRxEvent();
    }

    void notifyTx(String why) {
        if (running) {
            owner.xenbus().notifyRemote(txPort, why);
        }
    }

    void notifyRx(String why) {
        if (running) {
            owner.xenbus().notifyRemote(rxPort, why);
        }
    }

    /** A fatal error of the frontend on this queue: the whole vif goes down. */
    void fatal(String cause) {
        owner.fatalTxError(this, cause);
    }

    /** Stop touching the rings (they are about to be unmapped, or the vif is disabled). */
    void disable() {
        running = false;
        tx.cancelTimer();
        netdev.purge();
        rx.purge();
    }

    void stop() {
        disable();
        tx.release();
        rx.release();
    }

    long nowNs() {
        return owner.xenbus().domain().hypervisor().clock().nanoTime();
    }

    Vif vif() {
        return owner.vif();
    }

    void trace(String detail) {
        owner.xenbus().trace(io.xensim.xenbus.trace.TraceEvent.Kind.RING, owner.vif().name() + " q" + index + ": "
                + detail);
    }
}
