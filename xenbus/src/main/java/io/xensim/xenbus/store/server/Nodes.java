package io.xensim.xenbus.store.server;

import static io.xensim.xenbus.store.server.RequestFailure.fail;
import static io.xensim.xenbus.store.wire.XsError.EACCES;
import static io.xensim.xenbus.store.wire.XsError.EINVAL;
import static io.xensim.xenbus.store.wire.XsError.EIO;
import static io.xensim.xenbus.store.wire.XsError.ENOENT;

import io.xensim.xenbus.store.wire.XsError;
import io.xensim.xenbus.store.wire.XsPermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tree operations requests are made of: looking a node up for an access ({@code get_node()}), creating a node
 * with its missing ancestors ({@code construct_node()}, {@code create_node()}) and removing a subtree
 * ({@code rm_node()}, {@code delnode_sub()}), each through the request's transaction if it has one, with the
 * quotas checked and the watches fired.
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 *
 * <p><b>Reference:</b> Xen 4.17 xenstored_core.c. New nodes copy their parent's permissions; an unprivileged
 * creator becomes their owner ("unpriv domains own what they create"). Creation checks bottom-up, as C writes
 * bottom-up: the node quota for new nodes, then node size, then memory.
 */
final class Nodes {
    private static final Logger LOG = LoggerFactory.getLogger(Nodes.class);

    private final Transactions transactions;
    private final Permissions permissions;
    private final Quotas quotas;
    private final Watches watches;
    private final NodeStore store;
    private final DomainTable domains;

    Nodes(Transactions transactions, Permissions permissions, Quotas quotas, Watches watches, NodeStore store,
          DomainTable domains) {
        this.transactions = transactions;
        this.permissions = permissions;
        this.quotas = quotas;
        this.watches = watches;
        this.store = store;
        this.domains = domains;
    }

    NodeRecord read(Request r, String name) {
        return transactions.read(r, name);
    }

    /** The node's new record, in the request's transaction if it has one (C {@code write_node()}). */
    void write(Request r, String name, NodeRecord rec) {
        transactions.write(r, name, rec);
    }

    /**
     * C {@code get_node()}: the node for an access needing {@code perm}. A missing or inaccessible node is ENOENT or
     * EACCES: "if we don't have permission, we don't have node", and ENOENT is told only to those whom the nearest
     * existing ancestor grants the access ({@code errno_from_parents()}).
     */
    NodeRecord getNode(Request r, String name, int perm) {
        if (name == null || !Paths.isValidNodename(name, quotas.config().pathMax())) {
            throw fail(EINVAL);
        }
        NodeRecord node = transactions.read(r, name);
        XsError error;
        if (node != null) {
            if ((permissions.permFor(r.conn, node.perms()) & perm) == perm) {
                return node;
            }
            error = EACCES;
        } else {
            error = ENOENT;
        }
        throw fail(errnoFromParents(r, name, error, perm));
    }

    /** {@link #getNode}, but null for a missing node whose ancestors let the caller know it is missing. */
    NodeRecord getNodeOrNull(Request r, String name, int perm) {
        try {
            return getNode(r, name, perm);
        } catch (RequestFailure f) {
            if (f.error != ENOENT) {
                throw f;
            }
            return null;
        }
    }

    private XsError errnoFromParents(Request r, String name, XsError error, int perm) {
        String p = name;
        NodeRecord node;
        do {
            p = Paths.parent(p);
            node = transactions.read(r, p);
        } while (node == null && !p.equals("/"));
        int parentPerm = node == null ? 0 : permissions.permFor(r.conn, node.perms());
        return (parentPerm & perm) != 0 ? error : EACCES;
    }

    /** Creates {@code name} with {@code data} and any missing ancestors; returns the new node. */
    NodeRecord create(Request r, String name, byte[] data) {
        List<String> missing = new ArrayList<>();   // missing.get(0) is the node itself, then its parents
        String parentName = name;
        NodeRecord parent;
        do {
            missing.add(parentName);
            if (parentName.equals("/")) {
                throw fail(ENOENT);
            }
            parentName = Paths.parent(parentName);
            parent = transactions.read(r, parentName);
        } while (parent == null);

        // Build top-down: each new node inherits from the one above it.
        List<XsPermission> perms = new ArrayList<>(parent.perms());
        if (r.unprivileged()) {
            XsPermission owner = perms.getFirst();
            perms.set(0, new XsPermission(owner.access(), r.domid()));
        }
        int levels = missing.size();
        String[] names = new String[levels + 1];   // names[0] the node ... names[levels] the existing parent
        NodeRecord[] recs = new NodeRecord[levels + 1];
        names[levels] = parentName;
        recs[levels] = parent.withChildren(append(parent.children(), Paths.basename(missing.get(levels - 1))), 0);
        for (int i = levels - 1; i >= 0; i--) {
            names[i] = missing.get(i);
            List<String> children = i == 0 ? List.of() : List.of(Paths.basename(missing.get(i - 1)));
            recs[i] = new NodeRecord(i == 0 ? data : new byte[0], perms, children, 0);
        }

        int owner = perms.getFirst().domid();
        int ownedBefore = r.unprivileged() ? domains.nodes(r.domid()) : 0;
        Map<Integer, Long> memDelta = new HashMap<>();
        for (int i = 0; i <= levels; i++) {
            boolean isNew = i < levels;
            if (isNew) {
                quotas.checkNewNode(r, ownedBefore, i);
            }
            quotas.checkNodeSize(r, recs[i]);
            long size = names[i].length() + recs[i].recordSize();
            if (isNew) {
                memDelta.merge(owner, size, Long::sum);
            } else {
                memDelta.merge(recs[i].owner(), size - (names[i].length() + parent.recordSize()), Long::sum);
            }
        }
        quotas.checkMemory(r, memDelta);

        for (int i = 0; i <= levels; i++) {
            NodeRecord rec = new NodeRecord(recs[i].data(), recs[i].perms(), recs[i].children(),
                    store.nextGeneration());
            transactions.write(r, names[i], rec);
            if (i < levels && r.tx != null) {
                r.tx.entryDelta(owner, 1);
            }
            recs[i] = rec;
        }
        return recs[0];
    }

    private static List<String> append(List<String> list, String item) {
        List<String> out = new ArrayList<>(list.size() + 1);
        out.addAll(list);
        out.add(item);
        return out;
    }

    /**
     * C {@code rm_node()}: removes {@code name} and its subtree, children before parents, firing each removed
     * node's watches (exact matches only below {@code name}), then unlinks it from its parent. A transaction's
     * copies can disagree with the store: a parent read before the node was created outside does not list it
     * ({@code delete_child()}), a node read before a child was removed outside still lists it
     * ({@code walk_node_tree()}). C calls either corruption and answers EIO; so does this.
     */
    void remove(Request r, String name) {
        String parentName = Paths.parent(name);
        NodeRecord parent = transactions.read(r, parentName);
        if (parent == null) {
            throw fail(EINVAL);
        }
        deleteSubtree(r, name, name);
        List<String> children = new ArrayList<>(parent.children());
        if (!children.remove(Paths.basename(name))) {
            LOG.warn("{}: {} not listed in {}{}", r.conn, name, parentName,
                    r.tx == null ? "" : " (the transaction's copy)");
            throw fail(EIO);
        }
        transactions.write(r, parentName, parent.withChildren(children, store.nextGeneration()));
    }

    private void deleteSubtree(Request r, String node, String root) {
        NodeRecord rec = transactions.read(r, node);
        if (rec == null) {
            // C walk_node_tree(): a listed child that cannot be read stops the walk (what was deleted stays
            // deleted), and rm_node() calls that corruption: EIO. A transaction's copy of a node can list a child
            // removed outside after the copy was taken.
            LOG.warn("{}: {} listed by its parent but missing{}", r.conn, node,
                    r.tx == null ? "" : " (the transaction's copy)");
            throw fail(EIO);
        }
        List<String> left = new ArrayList<>(rec.children());
        for (String child : rec.children()) {
            deleteSubtree(r, Paths.child(node, child), root);
            // C rm_from_parent(): the deleted child leaves this node's list at once, a write of its own (so a
            // generation count, and a transaction that stops half way keeps the shortened list).
            left.remove(child);
            rec = rec.withChildren(left, store.nextGeneration());
            transactions.write(r, node, rec);
        }
        transactions.delete(r, node);
        watches.fire(r, node, rec, !node.equals(root), null);
        if (r.tx != null) {
            r.tx.entryDelta(rec.owner(), -1);
        }
    }
}
