package io.xensim.xenbus.store.server;

import static io.xensim.xenbus.store.server.Permissions.PERM_OWNER;
import static io.xensim.xenbus.store.server.Permissions.PERM_READ;
import static io.xensim.xenbus.store.server.Permissions.PERM_WRITE;
import static io.xensim.xenbus.store.server.RequestFailure.fail;
import static io.xensim.xenbus.store.wire.XsError.EINVAL;
import static io.xensim.xenbus.store.wire.XsError.ENOENT;
import static io.xensim.xenbus.store.wire.XsError.EPERM;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.store.wire.CNumbers;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsPermission;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The requests on nodes: READ, DIRECTORY, DIRECTORY_PART, GET_PERMS, WRITE, MKDIR, RM and SET_PERMS, each
 * returning its reply (C's {@code do_*} functions of xenstored_core.c).
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 *
 * <p><b>Reference:</b> Xen 4.17 xenstored_core.c. Paths are canonicalised against the connection's implicit
 * path ({@code /local/domain/<domid>}) before the checks of {@link Paths#isValidNodename}.
 */
final class NodeRequests {
    private final Nodes nodes;
    private final Permissions permissions;
    private final Quotas quotas;
    private final Watches watches;
    private final NodeStore store;
    private final DomainTable domains;

    NodeRequests(Nodes nodes, Permissions permissions, Quotas quotas, Watches watches, NodeStore store,
                 DomainTable domains) {
        this.nodes = nodes;
        this.permissions = permissions;
        this.quotas = quotas;
        this.watches = watches;
        this.store = store;
        this.domains = domains;
    }

    private static String canonical(Request r, String path) {
        return path == null ? null : Paths.canonicalize(path, r.domid());
    }

    private NodeRecord oneArgNode(Request r, int perm) {
        return nodes.getNode(r, canonical(r, XsPayloads.oneArg(r.payload())), perm);
    }

    XsMessage doRead(Request r) {
        return r.reply(XsType.XS_READ, oneArgNode(r, PERM_READ).data());
    }

    XsMessage doDirectory(Request r) {
        return r.reply(XsType.XS_DIRECTORY, childBytes(oneArgNode(r, PERM_READ)));
    }

    private static byte[] childBytes(NodeRecord node) {
        return XsPayloads.strings(node.children().toArray(String[]::new));
    }

    /**
     * C {@code send_directory_part()}: {@code <gencnt>\0} then as many whole child names from byte {@code offset}
     * of the child list as fit in one message; the chunk that reaches the end of the list carries an extra
     * {@code \0}, and an offset at or past the end yields {@code <gencnt>\0\0}.
     */
    XsMessage doDirectoryPart(Request r) {
        byte[] payload = r.payload();
        if (XsPayloads.countStrings(payload) != 2) {
            throw fail(EINVAL);
        }
        List<String> args = XsPayloads.split(payload);
        NodeRecord node = nodes.getNode(r, canonical(r, args.get(0)), PERM_READ);
        int off = CNumbers.atoi(args.get(1));
        byte[] children = childBytes(node);
        byte[] gen = XsPayloads.strings(Long.toUnsignedString(node.generation()));
        var out = new ByteArrayOutputStream();
        out.writeBytes(gen);
        if (Integer.compareUnsigned(off, children.length) >= 0) {
            out.write(0);
            return r.reply(XsType.XS_DIRECTORY_PART, out.toByteArray());
        }
        int maxLen = XsdSockmsg.XENSTORE_PAYLOAD_MAX - gen.length - 1;
        int len = 0;
        int child = off;
        while (len + strlen(children, child) < maxLen) {
            int step = strlen(children, child) + 1;
            len += step;
            child += step;
            if (off + len == children.length) {
                break;
            }
        }
        out.write(children, off, len);
        if (off + len == children.length) {
            out.write(0);
        }
        return r.reply(XsType.XS_DIRECTORY_PART, out.toByteArray());
    }

    private static int strlen(byte[] b, int from) {
        int i = from;
        while (i < b.length && b[i] != 0) {
            i++;
        }
        return i - from;
    }

    XsMessage doGetPerms(Request r) {
        NodeRecord node = oneArgNode(r, PERM_READ);
        return r.reply(XsType.XS_GET_PERMS,
                XsPayloads.strings(node.perms().stream().map(XsPermission::toString).toArray(String[]::new)));
    }

    /** C {@code do_write()}: the path, a NUL, then the value (which may hold NULs). */
    XsMessage doWrite(Request r) {
        byte[] payload = r.payload();
        int nul = indexOfNul(payload);
        if (nul < 0) {
            throw fail(EINVAL);
        }
        String name = canonical(r, new String(payload, 0, nul, StandardCharsets.ISO_8859_1));
        byte[] data = Arrays.copyOfRange(payload, nul + 1, payload.length);
        NodeRecord node = nodes.getNodeOrNull(r, name, PERM_WRITE);
        if (node == null) {
            node = nodes.create(r, name, data);
        } else {
            // Built with the generation it will get; the counter only advances once the quota checks passed.
            NodeRecord updated = node.withData(data, store.peekGeneration());
            quotas.checkNodeSize(r, updated);
            quotas.checkMemory(r, updated.owner(), (long) updated.recordSize() - node.recordSize());
            store.nextGeneration();
            node = updated;
            nodes.write(r, name, node);
        }
        watches.fire(r, name, node, false, null);
        return r.ack(XsType.XS_WRITE);
    }

    private static int indexOfNul(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    XsMessage doMkdir(Request r) {
        String name = canonical(r, XsPayloads.oneArg(r.payload()));
        if (nodes.getNodeOrNull(r, name, PERM_WRITE) == null) {
            watches.fire(r, name, nodes.create(r, name, new byte[0]), false, null);
        }
        return r.ack(XsType.XS_MKDIR);
    }

    XsMessage doRm(Request r) {
        String name = canonical(r, XsPayloads.oneArg(r.payload()));
        if (nodes.getNodeOrNull(r, name, PERM_WRITE) == null) {
            // "Didn't exist already? Fine, if parent exists."
            if (nodes.read(r, Paths.parent(name)) != null) {
                return r.ack(XsType.XS_RM);
            }
            throw fail(ENOENT);
        }
        if (name.equals("/")) {
            throw fail(EINVAL);
        }
        nodes.remove(r, name);
        return r.ack(XsType.XS_RM);
    }

    /** C {@code do_set_perms()}. */
    XsMessage doSetPerms(Request r) {
        byte[] payload = r.payload();
        int num = XsPayloads.countStrings(payload) - 1;
        if (num < 1) {
            throw fail(EINVAL);
        }
        quotas.checkPermCount(r, num);
        List<String> strings = XsPayloads.split(payload);
        List<XsPermission> perms = new ArrayList<>(num);
        for (int i = 1; i <= num; i++) {
            switch (XsPermission.parse(strings.get(i))) {
                case Decoded.Ok<XsPermission>(var p) -> perms.add(p);
                case Decoded.Malformed<XsPermission> _ -> throw fail(EINVAL);
            }
        }
        // C domain_alloc_permrefs() marks entries of domains that do not exist XS_PERM_IGNORE; an ignored owner is
        // ENOENT, before the path is even looked at.
        if (!domains.exists(perms.getFirst().domid())) {
            throw fail(ENOENT);
        }
        String path = strings.getFirst();
        if (Permissions.isSpecial(path)) {
            permissions.setSpecialPerms(r, path, perms);
            return r.ack(XsType.XS_SET_PERMS);
        }
        String name = canonical(r, path);
        // "We must own node to do this (tools can do this too)."
        NodeRecord node = nodes.getNode(r, name, PERM_WRITE | PERM_OWNER);
        if (r.unprivileged() && perms.getFirst().domid() != node.owner()) {
            throw fail(EPERM);
        }
        NodeRecord updated = node.withPerms(perms, 0);
        quotas.checkNodeSize(r, updated);
        Map<Integer, Long> memDelta = new HashMap<>();
        memDelta.merge(updated.owner(), (long) name.length() + updated.recordSize(), Long::sum);
        memDelta.merge(node.owner(), -((long) name.length() + node.recordSize()), Long::sum);
        quotas.checkMemory(r, memDelta);
        if (r.tx != null && updated.owner() != node.owner()) {
            r.tx.entryDelta(node.owner(), -1);
            r.tx.entryDelta(updated.owner(), 1);
        }
        updated = node.withPerms(perms, store.nextGeneration());
        nodes.write(r, name, updated);
        watches.fire(r, name, updated, false, node.perms());
        return r.ack(XsType.XS_SET_PERMS);
    }
}
