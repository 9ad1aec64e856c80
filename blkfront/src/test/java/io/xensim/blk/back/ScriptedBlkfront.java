package io.xensim.blk.back;

import io.xensim.blk.protocol.BlkFeatures;
import io.xensim.blk.protocol.BlkifRequestSegment;
import io.xensim.blk.protocol.BlkifResponse;
import io.xensim.blk.protocol.BlkifRing;
import io.xensim.blk.protocol.BlkifRingRequest;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.FrontRing;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A frontend written by hand, as a test (or a rogue guest) drives blkback: it grants ring pages, writes the keys
 * Linux blkfront writes (or others), switches to Initialised, grants data and indirect pages and pushes raw
 * requests built with the blkif codecs. No blkfront code is involved: what blkback sees is exactly what the test
 * wrote.
 */
final class ScriptedBlkfront {
    final BusFixture fx;
    final ManagedDomain guest;
    final int devid;
    final String dir;
    final List<Queue> queues = new ArrayList<>();

    /** One queue's ring, its event channel and the notifications received on it. */
    static final class Queue {
        FrontRing<BlkifRingRequest, BlkifResponse> ring;
        int[] refs;
        int port;
        int notifications;
    }

    /** A granted page of the guest: its frame, grant and bytes. */
    record Page(long gfn, int ref, MemorySegment bytes) {
        /** A segment of this page covering sectors {@code first..last}. */
        BlkifRequestSegment segment(int first, int last) {
            return new BlkifRequestSegment(ref, first, last);
        }

        /** The whole page: sectors 0..7. */
        BlkifRequestSegment whole() {
            return segment(0, 7);
        }
    }

    ScriptedBlkfront(BusFixture fx, ManagedDomain guest, int devid) {
        this.fx = fx;
        this.guest = guest;
        this.devid = devid;
        this.dir = "/local/domain/" + guest.domid() + "/device/vbd/" + devid;
    }

    /** Sets up {@code n} rings of {@code 2^order} pages; returns the keys Linux blkfront's talk_to_blkback writes. */
    Map<String, String> setUp(int n, int order, boolean persistent) {
        return fx.onDomain(guest, () -> {
            Map<String, String> keys = new LinkedHashMap<>();
            int pages = 1 << order;
            if (order > 0) {
                keys.put(BlkFeatures.RING_PAGE_ORDER, Integer.toString(order));
            }
            for (int i = 0; i < n; i++) {
                Queue q = new Queue();
                var memory = guest.domain().memory();
                long gfn = memory.allocateFrames(pages);
                q.ring = FrontRing.init(memory.frames(gfn, pages), BlkifRing.BLKIF);
                q.refs = new int[pages];
                for (int p = 0; p < pages; p++) {
                    q.refs[p] = guest.domain().grantTable().grantAccess(0, gfn + p, false);
                }
                var ev = guest.domain().eventChannels();
                q.port = ev.allocUnbound(0);
                ev.bindHandler(q.port, port -> q.notifications++);
                queues.add(q);
                String prefix = n == 1 ? "" : BlkFeatures.queueDir(i) + "/";
                if (order == 0) {
                    keys.put(prefix + BlkFeatures.RING_REF, Integer.toString(q.refs[0]));
                } else {
                    for (int p = 0; p < pages; p++) {
                        keys.put(prefix + BlkFeatures.ringRef(p), Integer.toString(q.refs[p]));
                    }
                }
                keys.put(prefix + BlkFeatures.EVENT_CHANNEL, Integer.toString(q.port));
            }
            if (n > 1) {
                keys.put(BlkFeatures.MULTI_QUEUE_NUM_QUEUES, Integer.toString(n));
            }
            keys.put(BlkFeatures.PROTOCOL, BlkFeatures.XEN_IO_PROTO_ABI_X86_64);
            keys.put(BlkFeatures.FEATURE_PERSISTENT, persistent ? "1" : "0");
            return keys;
        });
    }

    /** Writes {@code keys} in one transaction, then {@code state} = Initialised. */
    void publish(Map<String, String> keys) {
        fx.publish(guest, dir, keys, 3);
    }

    void setState(int state) {
        fx.setState(guest, dir, state);
    }

    /** Connects {@code n} rings of order {@code order} with Linux blkfront's keys. */
    void connect(int n, int order, boolean persistent) {
        publish(setUp(n, order, persistent));
    }

    /** A fresh page granted to dom0 ({@code readonly}: the backend may only read it), filled with {@code fill}. */
    Page page(boolean readonly, byte fill) {
        return fx.onDomain(guest, () -> {
            long gfn = guest.domain().memory().allocateFrame();
            MemorySegment bytes = guest.domain().memory().frame(gfn);
            bytes.fill(fill);
            return new Page(gfn, guest.domain().grantTable().grantAccess(0, gfn, readonly), bytes);
        });
    }

    /** A writable page granted to dom0 holding {@code segments} as an indirect page. */
    Page indirectPage(List<BlkifRequestSegment> segments) {
        Page p = page(false, (byte) 0);
        for (int i = 0; i < segments.size(); i++) {
            segments.get(i).encode(p.bytes().asSlice((long) i * BlkifRequestSegment.LENGTH, BlkifRequestSegment.LENGTH));
        }
        return p;
    }

    /** Puts {@code requests} on a queue's ring and pushes them, notifying if asked; then lets the domains run. */
    void push(int queue, BlkifRingRequest... requests) {
        fx.onDomainRun(guest, () -> {
            Queue q = queues.get(queue);
            for (BlkifRingRequest r : requests) {
                q.ring.putRequest(r);
            }
            if (q.ring.pushRequestsAndCheckNotify()) {
                guest.domain().eventChannels().send(q.port);
            }
        });
    }

    /** Writes raw slot bytes (zero-padded to the entry) and pushes them. */
    void pushRaw(int queue, byte[] slot) {
        fx.onDomainRun(guest, () -> {
            Queue q = queues.get(queue);
            long off = q.ring.produceRequest();
            MemorySegment s = q.ring.sring().asSlice(off, BlkifRing.ENTRY_LENGTH);
            s.fill((byte) 0);
            MemorySegment.copy(MemorySegment.ofArray(slot), 0, s, 0, slot.length);
            if (q.ring.pushRequestsAndCheckNotify()) {
                guest.domain().eventChannels().send(q.port);
            }
        });
    }

    /** Sets {@code req_prod} of a queue's ring to any value, as a rogue frontend may, and notifies. */
    void setReqProd(int queue, int reqProd) {
        fx.onDomainRun(guest, () -> {
            Queue q = queues.get(queue);
            q.ring.sring().set(Layouts.U32, 0, reqProd);
            guest.domain().eventChannels().send(q.port);
        });
    }

    /** The responses produced so far and not yet taken. */
    List<BlkifResponse> responses(int queue) {
        return fx.onDomain(guest, () -> {
            Queue q = queues.get(queue);
            List<BlkifResponse> out = new ArrayList<>();
            do {
                while (q.ring.hasUnconsumedResponses()) {
                    out.add(((Decoded.Ok<BlkifResponse>) q.ring.takeResponse()).value());
                }
            } while (q.ring.finalCheckForResponses());
            return out;
        });
    }

    /** Pushes one request and returns its one response. */
    BlkifResponse submit(int queue, BlkifRingRequest request) {
        push(queue, request);
        List<BlkifResponse> rs = responses(queue);
        if (rs.size() != 1) {
            throw new AssertionError("expected one response to " + request + ", got " + rs);
        }
        return rs.get(0);
    }

    static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }
}
