package io.xensim.net.back;

import io.xensim.net.protocol.NetifRing;
import io.xensim.net.protocol.NetifRxRequest;
import io.xensim.net.protocol.NetifRxResponse;
import io.xensim.net.protocol.NetifTxRequest;
import io.xensim.net.protocol.NetifTxResponse;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.FrontRing;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A frontend written by hand, as a test (or a rogue guest) drives netback: it grants ring pages, writes the keys
 * Linux netfront writes (or others), switches to Connected, pushes raw tx slots and posts rx pages. No netfront
 * code is involved: what netback sees is exactly what the test wrote.
 */
final class ScriptedNetfront {
    final BusFixture fx;
    final ManagedDomain guest;
    final int devid;
    final String dir;
    final List<Queue> queues = new ArrayList<>();

    /** One queue's frontend ring ends, channels, and the notifications received on them. */
    static final class Queue {
        FrontRing<NetifTxRequest, NetifTxResponse> tx;
        FrontRing<NetifRxRequest, NetifRxResponse> rx;
        int txRef;
        int rxRef;
        int txPort;
        int rxPort;
        int txNotifications;
        int rxNotifications;
        /** Posted rx pages by request id: gfn. */
        final Map<Integer, Long> rxPages = new LinkedHashMap<>();
    }

    ScriptedNetfront(BusFixture fx, ManagedDomain guest, int devid) {
        this.fx = fx;
        this.guest = guest;
        this.devid = devid;
        this.dir = "/local/domain/" + guest.domid() + "/device/vif/" + devid;
    }

    private int grant(long gfn, boolean readonly) {
        return guest.domain().grantTable().grantAccess(0, gfn, readonly);
    }

    /** Grants a page filled with {@code bytes} at {@code offset} to dom0 (read-only, as a tx page). */
    int txPage(byte[] bytes, int offset) {
        return fx.onDomain(guest, () -> {
            long gfn = guest.domain().memory().allocateFrame();
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, guest.domain().memory().frame(gfn), offset,
                    bytes.length);
            return grant(gfn, true);
        });
    }

    /** Sets up {@code n} queues' rings and channels, returns the keys Linux netfront would write. */
    Map<String, String> setUp(int n, boolean split) {
        return fx.onDomain(guest, () -> {
            Map<String, String> keys = new LinkedHashMap<>();
            keys.put("multi-queue-num-queues", Integer.toString(n));
            for (int i = 0; i < n; i++) {
                Queue q = new Queue();
                long txGfn = guest.domain().memory().allocateFrame();
                long rxGfn = guest.domain().memory().allocateFrame();
                q.tx = FrontRing.init(guest.domain().memory().frame(txGfn), NetifRing.TX);
                q.rx = FrontRing.init(guest.domain().memory().frame(rxGfn), NetifRing.RX);
                q.txRef = grant(txGfn, false);
                q.rxRef = grant(rxGfn, false);
                var ev = guest.domain().eventChannels();
                q.txPort = ev.allocUnbound(0);
                ev.bindHandler(q.txPort, p -> q.txNotifications++);
                if (split) {
                    q.rxPort = ev.allocUnbound(0);
                    ev.bindHandler(q.rxPort, p -> q.rxNotifications++);
                } else {
                    q.rxPort = q.txPort;
                }
                queues.add(q);
                String prefix = n == 1 ? "" : "queue-" + i + "/";
                keys.put(prefix + "tx-ring-ref", Integer.toString(q.txRef));
                keys.put(prefix + "rx-ring-ref", Integer.toString(q.rxRef));
                if (split) {
                    keys.put(prefix + "event-channel-tx", Integer.toString(q.txPort));
                    keys.put(prefix + "event-channel-rx", Integer.toString(q.rxPort));
                } else {
                    keys.put(prefix + "event-channel", Integer.toString(q.txPort));
                }
            }
            keys.put("request-rx-copy", "1");
            keys.put("feature-rx-notify", "1");
            keys.put("feature-sg", "1");
            keys.put("feature-gso-tcpv4", "1");
            keys.put("feature-gso-tcpv6", "1");
            keys.put("feature-ipv6-csum-offload", "1");
            return keys;
        });
    }

    /** Writes {@code keys} in one transaction, then {@code state} = Connected (netfront never writes Initialised). */
    void publish(Map<String, String> keys) {
        fx.publish(guest, dir, keys, 4);
    }

    void setState(int state) {
        fx.setState(guest, dir, state);
    }

    /** Connects {@code n} queues with Linux netfront's keys. */
    void connect(int n, boolean split) {
        publish(setUp(n, split));
    }

    /** Writes raw tx slots (each a request, or 8 bytes of an extra info) and pushes them, notifying if asked. */
    void pushTx(int queue, List<byte[]> slots) {
        fx.onDomainRun(guest, () -> {
            Queue q = queues.get(queue);
            for (byte[] s : slots) {
                long off = q.tx.produceRequest();
                MemorySegment slot = q.tx.sring().asSlice(off, NetifRing.TX_ENTRY_LENGTH);
                slot.fill((byte) 0);
                MemorySegment.copy(MemorySegment.ofArray(s), 0, slot, 0, s.length);
            }
            if (q.tx.pushRequestsAndCheckNotify()) {
                guest.domain().eventChannels().send(q.txPort);
            }
        });
    }

    /** Sets {@code req_prod} of a queue's tx ring to any value, as a rogue frontend may. */
    void setTxReqProd(int queue, int reqProd) {
        fx.onDomainRun(guest, () -> {
            Queue q = queues.get(queue);
            q.tx.sring().set(Layouts.U32, 0, reqProd);
            guest.domain().eventChannels().send(q.txPort);
        });
    }

    static byte[] txRequest(int gref, int offset, int flags, int id, int size) {
        byte[] b = new byte[NetifTxRequest.LENGTH];
        new NetifTxRequest(gref, offset, flags, id, size).encode(MemorySegment.ofArray(b));
        return b;
    }

    static byte[] gsoExtra(int size, int type, int flags) {
        byte[] b = new byte[8];
        b[0] = 1; // XEN_NETIF_EXTRA_TYPE_GSO
        b[1] = (byte) flags;
        b[2] = (byte) size;
        b[3] = (byte) (size >>> 8);
        b[4] = (byte) type;
        return b;
    }

    static byte[] rawExtra(int type, int flags) {
        byte[] b = new byte[8];
        b[0] = (byte) type;
        b[1] = (byte) flags;
        return b;
    }

    /** The tx responses produced so far and not yet taken. */
    List<NetifTxResponse> takeTxResponses(int queue) {
        return fx.onDomain(guest, () -> {
            Queue q = queues.get(queue);
            List<NetifTxResponse> out = new ArrayList<>();
            do {
                while (q.tx.hasUnconsumedResponses()) {
                    out.add(((Decoded.Ok<NetifTxResponse>) q.tx.takeResponse()).value());
                }
            } while (q.tx.finalCheckForResponses()); // rsp_event re-armed, as xennet_tx_buf_gc does
            return out;
        });
    }

    /** Posts {@code n} fresh zeroed, granted pages on a queue's rx ring. */
    void postRx(int queue, int n) {
        fx.onDomainRun(guest, () -> {
            Queue q = queues.get(queue);
            for (int i = 0; i < n; i++) {
                long gfn = guest.domain().memory().allocateFrame();
                guest.domain().memory().frame(gfn).fill((byte) 0);
                int ref = grant(gfn, false);
                int id = q.rxPages.size();
                q.rxPages.put(id, gfn);
                q.rx.putRequest(new NetifRxRequest(id, ref));
            }
            if (q.rx.pushRequestsAndCheckNotify()) {
                guest.domain().eventChannels().send(q.rxPort);
            }
        });
    }

    /** Raw rx response slots produced so far (an extra slot read as a response too). */
    List<MemorySegment> takeRxSlots(int queue) {
        return fx.onDomain(guest, () -> {
            Queue q = queues.get(queue);
            List<MemorySegment> out = new ArrayList<>();
            while (q.rx.hasUnconsumedResponses()) {
                q.rx.takeResponse();
                out.add(MemorySegment.ofArray(q.rx.lastTaken().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
            }
            return out;
        });
    }

    byte[] rxPage(int queue, int id, int length) {
        long gfn = queues.get(queue).rxPages.get(id);
        return guest.domain().memory().frame(gfn).asSlice(0, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
}
