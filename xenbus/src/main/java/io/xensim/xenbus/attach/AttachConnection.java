package io.xensim.xenbus.attach;

import static io.xensim.xenbus.attach.AttachWire.EINVAL;
import static io.xensim.xenbus.attach.AttachWire.ENOMEM;
import static io.xensim.xenbus.attach.AttachWire.ENOTCONN;
import static io.xensim.xenbus.attach.AttachWire.EPERM;
import static io.xensim.xenbus.attach.AttachWire.EPROTO;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.unix.FileDescriptor;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.attach.AttachWire.Request;
import io.xensim.xenbus.event.EventChannelOps;
import io.xensim.xenbus.grant.GnttabStatus;
import io.xensim.xenbus.grant.GrantEntryV1;
import io.xensim.xenbus.grant.MapResult;
import io.xensim.xenbus.memory.Layouts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One handle of an outside process ({@code xengnttab_handle}, {@code xengntshr_handle} or
 * {@code xenevtchn_handle}): after {@code HELLO} it acts as its domain, and every request goes through that
 * domain's hypercall views — {@link Domain#grantOps()} (Xen's checks of granting domid, ref, read-only grants and
 * handles), {@link Domain#grantTable()} for pages it shares, {@link Domain#eventChannels()} for ports. It remembers
 * what it holds so that a bad handle or port is refused ({@code EINVAL}/{@code ENOTCONN}, as Linux's gntdev and
 * evtchn drivers refuse them) and so that everything is released when the connection closes.
 *
 * <p><b>Threading:</b> requests and teardown run on the channel's event loop. Event upcalls run on the domain's
 * executor and touch only the event pipe, under {@code pipeLock}.
 *
 * <p><b>Reference:</b> Linux 6.1's drivers/xen/gntdev.c ({@code gntdev_ioctl_map_grant_ref}: a map of several refs
 * fails whole; unmapping what the file does not hold is {@code -EINVAL}; {@code gntdev_release} unmaps what is
 * left), gntalloc.c (pages freed only once the grantee lets go), evtchn.c ({@code evtchn_interrupt} masks the port
 * and queues it for {@code read}; notify/unbind of a port the file did not bind is {@code -ENOTCONN};
 * {@code evtchn_release} closes its ports), and Xen's common/grant_table.c behind {@link Domain#grantOps()}.
 */
final class AttachConnection extends SimpleChannelInboundHandler<Request> {
    private static final Logger log = LoggerFactory.getLogger(AttachConnection.class);

    private final AttachServer server;
    private final int pid;
    private Domain domain; // null until HELLO
    private int kind;
    private int maxGrants = Integer.MAX_VALUE;
    /** Maptrack handle → granting domid, for the handles this connection holds. */
    private final Map<Integer, Integer> maps = new LinkedHashMap<>();
    /** Domains whose memory descriptor this connection already received. */
    private final Set<Integer> memorySent = new HashSet<>();
    /** Grant ref → gfn of pages this connection shared from its domain's memory. */
    private final Map<Integer, Long> shared = new LinkedHashMap<>();
    private final Set<Integer> ports = ConcurrentHashMap.newKeySet();
    private final Object pipeLock = new Object();
    private FileDescriptor pipeWrite; // guarded by pipeLock; null when closed or not an evtchn handle

    AttachConnection(AttachServer server, int pid) {
        this.server = server;
        this.pid = pid;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Request request) {
        try {
            handle(ctx, request);
        } finally {
            server.handedOff();
        }
    }

    private void handle(ChannelHandlerContext ctx, Request request) {
        if (domain == null && request.op() != AttachWire.OP_HELLO) {
            log.warn("attach: request {} before HELLO; closing", request.op());
            ctx.close();
            return;
        }
        switch (request.op()) {
            case AttachWire.OP_HELLO -> hello(ctx.channel(), request);
            case AttachWire.OP_MAP -> map(ctx.channel(), request);
            case AttachWire.OP_UNMAP -> reply(ctx.channel(), request, unmap(request), new int[0], -1);
            case AttachWire.OP_SET_MAX -> {
                maxGrants = request.arg() <= 0 ? Integer.MAX_VALUE : request.arg();
                reply(ctx.channel(), request, 0, new int[0], -1);
            }
            case AttachWire.OP_SHARE -> share(ctx.channel(), request);
            case AttachWire.OP_UNSHARE -> reply(ctx.channel(), request, unshare(request), new int[0], -1);
            case AttachWire.OP_BIND_INTERDOMAIN ->
                    reply(ctx.channel(), request, bound(events().bindInterdomain(request.arg(), word0(request))),
                            new int[0], -1);
            case AttachWire.OP_BIND_UNBOUND ->
                    reply(ctx.channel(), request, bound(events().allocUnbound(request.arg())), new int[0], -1);
            case AttachWire.OP_NOTIFY -> reply(ctx.channel(), request, onOwnPort(request, events()::send),
                    new int[0], -1);
            case AttachWire.OP_UNMASK -> reply(ctx.channel(), request, onOwnPort(request, events()::unmask),
                    new int[0], -1);
            case AttachWire.OP_UNBIND -> reply(ctx.channel(), request, unbind(request), new int[0], -1);
            default -> {
                log.warn("attach: unknown op {} from {}; closing", request.op(), domain);
                ctx.close();
            }
        }
    }

    private static int word0(Request request) {
        return request.count() > 0 ? request.word(0, 0) : -1;
    }

    private EventChannelOps events() {
        return domain.eventChannels();
    }

    // ---------------------------------------------------------------------------------------------- HELLO

    private void hello(Channel channel, Request request) {
        int version = request.count() > 0 ? request.word(0, 0) : 0;
        int requestedKind = request.count() > 0 ? request.word(0, 1) : 0;
        if (domain != null || version != AttachWire.VERSION || requestedKind < AttachWire.KIND_GNTTAB
                || requestedKind > AttachWire.KIND_EVTCHN) {
            reply(channel, request, -EPROTO, new int[0], -1);
            return;
        }
        Domain d = server.admit(request.arg()).orElse(null);
        if (d == null) {
            reply(channel, request, -EPERM, new int[0], -1);
            return;
        }
        domain = d;
        kind = requestedKind;
        int fd = -1;
        if (kind == AttachWire.KIND_EVTCHN) {
            try {
                FileDescriptor[] pipe = FileDescriptor.pipe();
                synchronized (pipeLock) {
                    pipeWrite = pipe[1];
                }
                fd = pipe[0].intValue();
            } catch (IOException e) {
                reply(channel, request, -ENOMEM, new int[0], -1);
                return;
            }
        }
        int[] item = {AttachWire.VERSION, d.domid(), (int) d.memory().frames(), 0};
        reply(channel, request, 0, item, fd);
        log.info("attach: {} handle of d{} attached", kindName(), d.domid());
    }

    private String kindName() {
        return switch (kind) {
            case AttachWire.KIND_GNTTAB -> "gnttab";
            case AttachWire.KIND_GNTSHR -> "gntshr";
            default -> "evtchn";
        };
    }

    // ---------------------------------------------------------------------------------------------- grants

    /** Maps each ref through {@code GNTTABOP_map_grant_ref}; one failure undoes the others (gntdev's all-or-none). */
    private void map(Channel channel, Request request) {
        int dom = request.arg();
        int count = request.count();
        int[] items = new int[count * 4];
        if (count == 0 || maps.size() + count > maxGrants) {
            reply(channel, request, count == 0 ? -EINVAL : -ENOMEM, new int[0], -1);
            return;
        }
        Domain granter = server.hypervisor().domain(dom).orElse(null);
        short status = GnttabStatus.GNTST_okay;
        int done = 0;
        for (; done < count; done++) {
            int flags = GrantEntryV1.GNTMAP_host_map
                    | ((request.word(done, 1) & 1) != 0 ? GrantEntryV1.GNTMAP_readonly : 0);
            MapResult result = domain.grantOps().mapGrantRef(dom, request.word(done, 0), flags);
            if (result.ok() && (granter == null || granter.memory().file() == null)) {
                domain.grantOps().unmapGrantRef(result.handle());
                result = MapResult.failed(GnttabStatus.GNTST_general_error); // memory no process can map
            }
            items[done * 4 + 1] = result.status();
            if (!result.ok()) {
                status = result.status();
                break;
            }
            long gfn = (result.area().address() - granter.memory().segment().address()) >>> Layouts.XEN_PAGE_SHIFT;
            items[done * 4] = result.handle();
            items[done * 4 + 2] = (int) gfn;
            items[done * 4 + 3] = (int) (gfn >>> 32);
            maps.put(result.handle(), dom);
        }
        if (status != GnttabStatus.GNTST_okay) {
            for (int i = 0; i < done; i++) {
                maps.remove(items[i * 4]);
                domain.grantOps().unmapGrantRef(items[i * 4]);
            }
            reply(channel, request, -EINVAL, items, -1); // gntdev fails the whole map; items say why
            return;
        }
        reply(channel, request, 0, items, memoryFdFor(granter));
    }

    private int memoryFdFor(Domain owner) {
        if (!memorySent.add(owner.domid())) {
            return -1;
        }
        int fd = Posix.openReadWrite(owner.memory().file());
        if (fd < 0) {
            memorySent.remove(owner.domid());
        }
        return fd;
    }

    private int unmap(Request request) {
        for (int i = 0; i < request.count(); i++) {
            if (!maps.containsKey(request.word(i, 0))) {
                return -EINVAL;
            }
        }
        for (int i = 0; i < request.count(); i++) {
            maps.remove(request.word(i, 0));
            domain.grantOps().unmapGrantRef(request.word(i, 0));
        }
        return 0;
    }

    /** gntalloc: takes contiguous frames of the domain's memory and grants each to {@code arg}. */
    private void share(Channel channel, Request request) {
        int count = request.count() > 0 ? request.word(0, 0) : 0;
        boolean writable = request.count() > 0 && request.word(0, 1) != 0;
        if (count <= 0 || count > AttachWire.MAX_ITEMS || domain.memory().file() == null) {
            reply(channel, request, -EINVAL, new int[0], -1);
            return;
        }
        long first = domain.memory().allocateFrames(count);
        if (first < 0) {
            reply(channel, request, -ENOMEM, new int[0], -1);
            return;
        }
        int[] items = new int[count * 4];
        for (int i = 0; i < count; i++) {
            int ref = domain.grantTable().grantAccess(request.arg(), first + i, !writable);
            if (ref < 0) {
                for (int j = 0; j < i; j++) {
                    domain.grantTable().endForeignAccess(items[j * 4]);
                    shared.remove(items[j * 4]);
                }
                domain.memory().freeFrames(first, count);
                reply(channel, request, ref, new int[0], -1);
                return;
            }
            shared.put(ref, first + i);
            items[i * 4] = ref;
            items[i * 4 + 2] = (int) (first + i);
            items[i * 4 + 3] = (int) ((first + i) >>> 32);
        }
        reply(channel, request, 0, items, memoryFdFor(domain));
    }

    private int unshare(Request request) {
        for (int i = 0; i < request.count(); i++) {
            if (!shared.containsKey(request.word(i, 0))) {
                return -EINVAL;
            }
        }
        for (int i = 0; i < request.count(); i++) {
            revoke(request.word(i, 0));
        }
        return 0;
    }

    /** Linux's gntalloc: the page is freed once the grantee lets go of it, not before. */
    private void revoke(int ref) {
        long gfn = shared.remove(ref);
        var memory = domain.memory();
        domain.grantTable().endForeignAccessDeferred(ref, () -> memory.freeFrame(gfn));
    }

    // ---------------------------------------------------------------------------------------------- events

    private int bound(int port) {
        if (port > 0) {
            ports.add(port);
            events().bindHandler(port, this::onEvent);
        }
        return port;
    }

    private int onOwnPort(Request request, java.util.function.IntUnaryOperator op) {
        int port = word0(request);
        return ports.contains(port) ? op.applyAsInt(port) : -ENOTCONN;
    }

    private int unbind(Request request) {
        int port = word0(request);
        if (!ports.remove(port)) {
            return -ENOTCONN;
        }
        return events().close(port);
    }

    /** On the domain's executor: masks the port and queues its number, as evtchn_interrupt() in Linux does. */
    private void onEvent(int port) {
        if (!ports.contains(port)) {
            return;
        }
        events().mask(port);
        ByteBuffer word = ByteBuffer.allocateDirect(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, port);
        synchronized (pipeLock) {
            if (pipeWrite == null) {
                return;
            }
            try {
                pipeWrite.write(word, 0, 4);
            } catch (IOException e) {
                log.warn("attach: cannot queue port {} of d{}: {}", port, domain.domid(), e.toString());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- teardown

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (domain == null) {
            server.detached(pid, -1, 0, 0, 0);
            return;
        }
        int outstanding = maps.size();
        for (int handle : maps.keySet()) {
            domain.grantOps().unmapGrantRef(handle);
        }
        maps.clear();
        int revoked = shared.size();
        for (int ref : Set.copyOf(shared.keySet())) {
            revoke(ref);
        }
        int closed = 0;
        for (int port : Set.copyOf(ports)) {
            ports.remove(port);
            events().close(port);
            closed++;
        }
        synchronized (pipeLock) {
            if (pipeWrite != null) {
                try {
                    pipeWrite.close();
                } catch (IOException e) {
                    log.debug("closing event pipe", e);
                }
                pipeWrite = null;
            }
        }
        if (outstanding > 0) {
            log.info("attach: {} handle of d{} closed with {} maps outstanding", kindName(), domain.domid(),
                    outstanding);
        }
        server.detached(pid, domain.domid(), outstanding, revoked, closed);
        server.handedOff();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.warn("attach: closing a connection of {}: {}", domain, cause.toString());
        ctx.close();
    }

    // ---------------------------------------------------------------------------------------------- replies

    private static void reply(Channel channel, Request request, int status, int[] items, int fd) {
        ByteBuf out = channel.alloc().buffer(AttachWire.HEADER + items.length * 4);
        out.writeIntLE(request.op() | AttachWire.REPLY | (fd >= 0 ? AttachWire.FD_FOLLOWS : 0));
        out.writeIntLE(request.id());
        out.writeIntLE(status);
        out.writeIntLE(items.length / 4);
        for (int word : items) {
            out.writeIntLE(word);
        }
        channel.write(out);
        if (fd >= 0) {
            FileDescriptor descriptor = new FileDescriptor(fd);
            channel.write(descriptor).addListener(f -> descriptor.close());
        }
        channel.flush();
    }
}
