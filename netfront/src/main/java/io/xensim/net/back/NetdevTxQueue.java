package io.xensim.net.back;

import io.xensim.net.frame.Frame;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * What sits in dom0 between the bridge and one netback queue's guest rx queue: the vif's netdev transmit queue
 * ({@code struct netdev_queue}), which netback stops when its guest rx queue is full, and the queueing discipline
 * in front of it (pfifo_fast with {@code txqueuelen} {@value #DEFAULT_TX_QUEUE_LEN} packets: netback no longer sets
 * a queue length of its own, so a vif has the Ethernet default), which holds frames while the queue is stopped.
 *
 * <p>Why this shape: a guest that posts rx buffers more slowly than its peers send is the common overload, and
 * the question is what a user of a real host sees. On Linux 6.1:
 * <ul>
 * <li>{@code xenvif_start_xmit} hands each frame to {@code xenvif_rx_queue_tail}, which refuses it when the rx
 *     queue already holds {@code XENVIF_RX_QUEUE_BYTES} or more (half a ring of pages), stops the netdev queue
 *     ({@code netif_tx_stop_queue}), and the frame is dropped and counted in the vif's {@code tx_dropped}
 *     ({@code ip -s link show vifN.M}, TX dropped): one frame per time the queue fills;</li>
 * <li>while the queue is stopped, frames wait in the qdisc ({@code tc -s qdisc show dev vifN.M}: backlog), up to
 *     {@code txqueuelen}; beyond that the qdisc drops them (its "dropped" count);</li>
 * <li>{@code xenvif_rx_dequeue}: once the rx queue is below the limit again, {@code netif_tx_wake_queue}; the
 *     qdisc runs later ({@code __netif_schedule}, {@code net_tx_action}, {@code qdisc_run}) and hands its frames
 *     on in order, until the rx queue refuses one and the queue stops again.</li>
 * </ul>
 * Nothing pushes back on the sending guest: the bridge's {@code dev_queue_xmit} never blocks and the sending vif
 * keeps serving its tx ring, so a slow receiver costs dom0 at most {@code XENVIF_RX_QUEUE_BYTES} plus
 * {@value #DEFAULT_TX_QUEUE_LEN} frames per queue, and the senders' frames past that are lost, counted where
 * Linux counts them. Not modelled: {@code rx_drain_timeout} (frames queued 10 s are dropped) and
 * {@code rx_stall_timeout} (the carrier goes off after 60 s without rx buffers).
 *
 * <p><b>Threading:</b> confined to the backend domain's executor: the bridge's {@link #xmit}, the rx path's
 * {@link #wake}, and the qdisc run it schedules there.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/interface.c ({@code xenvif_start_xmit}), rx.c
 * ({@code xenvif_rx_queue_tail}, {@code xenvif_rx_dequeue}); net/core/dev.c ({@code __dev_xmit_skb},
 * {@code netif_tx_wake_queue}); net/sched/sch_generic.c ({@code pfifo_fast_enqueue}, {@code qdisc_restart},
 * {@code dev_deactivate}'s {@code qdisc_reset}).
 */
public final class NetdevTxQueue {
    /** {@code DEFAULT_TX_QUEUE_LEN}: an Ethernet device's {@code txqueuelen}, the pfifo_fast limit. */
    public static final int DEFAULT_TX_QUEUE_LEN = 1000;

    private final Vif vif;
    private final RxPath rx;
    private final Executor executor;
    private final ArrayDeque<Frame> qdisc = new ArrayDeque<>();
    private boolean stopped;
    private boolean scheduled;
    private long stops;

    NetdevTxQueue(Vif vif, RxPath rx, Executor executor) {
        this.vif = vif;
        this.rx = rx;
        this.executor = executor;
    }

    /**
     * {@code dev_queue_xmit}: straight to the driver while the queue runs and the qdisc is empty (the bypass of
     * {@code __dev_xmit_skb}), else into the qdisc. False if the frame was dropped here (qdisc full, or the driver
     * refused it).
     */
    boolean xmit(Frame frame) {
        if (stopped || !qdisc.isEmpty()) {
            if (qdisc.size() >= DEFAULT_TX_QUEUE_LEN) {
                vif.countQdiscDropped(1); // pfifo_fast_enqueue: qdisc_drop
                return false;
            }
            qdisc.add(frame);
            return true;
        }
        return startXmit(frame);
    }

    /**
     * {@code xenvif_start_xmit}: a multicast frame the vif's filter refuses is dropped; a frame the rx queue refuses
     * for being full stops the queue and is dropped.
     */
    private boolean startXmit(Frame frame) {
        if (vif.mcast().filters(frame)) {
            vif.countTxDropped(); // a group the frontend did not add (feature-multicast-control)
            return false;
        }
        return switch (rx.queueTail(frame)) {
            case QUEUED -> true;
            case FULL -> {
                if (!stopped) {
                    stopped = true;
                    stops++;
                }
                vif.countTxDropped();
                yield false;
            }
            case DROPPED -> false; // counted by the rx path (no sg for a long frame, queue not running)
        };
    }

    /** {@code netif_tx_wake_queue}, from {@code xenvif_rx_dequeue}: the rx queue is below its limit again. */
    void wake() {
        if (!stopped) {
            return;
        }
        stopped = false;
        if (!qdisc.isEmpty() && !scheduled) {
            // __netif_schedule: the qdisc runs from net_tx_action, not on the waker's stack.
            scheduled = true;
            executor.execute(this::run);
        }
    }

    /** {@code qdisc_run}: hands the held frames on in order while the queue runs. */
    private void run() {
        scheduled = false;
        while (!stopped && !qdisc.isEmpty()) {
            startXmit(qdisc.poll());
        }
    }

    /** {@code dev_deactivate}'s {@code qdisc_reset}: the queue goes down; what the qdisc held is dropped. */
    void purge() {
        vif.countQdiscDropped(qdisc.size());
        qdisc.clear();
        stopped = false;
    }

    /** Whether netback has stopped this queue (its guest rx queue is full). */
    public boolean stopped() {
        return stopped;
    }

    /** Frames the qdisc holds ({@code tc -s qdisc}: backlog). */
    public int backlog() {
        return qdisc.size();
    }

    /** How many times the queue was stopped. */
    public long stops() {
        return stops;
    }
}
