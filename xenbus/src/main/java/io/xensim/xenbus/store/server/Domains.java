package io.xensim.xenbus.store.server;

import static io.xensim.xenbus.store.server.Permissions.INTRODUCE_DOMAIN;
import static io.xensim.xenbus.store.server.Permissions.RELEASE_DOMAIN;
import static io.xensim.xenbus.store.server.RequestFailure.fail;
import static io.xensim.xenbus.store.wire.XsError.EINVAL;
import static io.xensim.xenbus.store.wire.XsError.ENOENT;

import io.xensim.xenbus.store.wire.CNumbers;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsPermission;
import io.xensim.xenbus.store.wire.XsType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Domains coming and going (C xenstored_domain.c): introduction, release, shutdown, and the requests INTRODUCE,
 * RELEASE, RESUME, SET_TARGET, GET_DOMAIN_PATH and IS_DOMAIN_INTRODUCED, each returning its reply.
 *
 * <p>Introducing a domain fires {@code @introduceDomain}. Releasing it drops its connections first (so they get
 * no events about their own end), deletes the subtrees it owns (or gives them to dom0 with
 * {@link XenstoredConfig#keepOrphans()}, C's {@code -K}), releases its ring through the {@link DomainIntroducer},
 * and if it had been introduced fires {@code @releaseDomain} and {@code @releaseDomain/<domid>}.
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 *
 * <p><b>Reference:</b> C xenstored_domain.c ({@code do_introduce()}, {@code do_release()}, {@code do_resume()},
 * {@code do_set_target()}, {@code do_get_domain_path()}, {@code do_is_domain_introduced()},
 * {@code domain_cleanup()}, {@code check_domains()}, {@code domain_tree_remove()}).
 */
final class Domains {
    private static final Logger LOG = LoggerFactory.getLogger(Domains.class);
    /** {@code DOMID_SELF} (xen.h): IS_DOMAIN_INTRODUCED answers T for it. */
    static final int DOMID_SELF = 0x7FF0;

    private final DomainTable table;
    private final Connections connections;
    private final NodeStore store;
    private final Nodes nodes;
    private final Watches watches;
    private final Quotas quotas;
    private final Supplier<DomainIntroducer> introducer;

    Domains(DomainTable table, Connections connections, NodeStore store, Nodes nodes, Watches watches,
            Quotas quotas, Supplier<DomainIntroducer> introducer) {
        this.table = table;
        this.connections = connections;
        this.store = store;
        this.nodes = nodes;
        this.watches = watches;
        this.quotas = quotas;
        this.introducer = introducer;
    }

    void introduce(int domid) {
        if (table.introduce(domid) && domid != 0) {
            watches.fireSpecial(INTRODUCE_DOMAIN, false);
        }
    }

    /** C {@code check_domains()}: a shut down domain fires {@code @releaseDomain} once, until RESUME. */
    void shutdown(int domid) {
        if (table.shutdown(domid)) {
            watches.fireSpecial(RELEASE_DOMAIN, false);
            watches.fireSpecial(RELEASE_DOMAIN + "/" + domid, true);
        }
    }

    /** C {@code domain_cleanup()}/{@code do_release()}. */
    void release(int domid) {
        boolean wasIntroduced = table.isIntroduced(domid);
        for (XsConnection c : connections.ofDomain(domid)) {
            connections.disconnect(c, "domain " + domid + " released");
        }
        removeOrphans(domid);
        table.release(domid);
        if (wasIntroduced) {
            DomainIntroducer hook = introducer.get();
            if (hook != null) {
                try {
                    hook.release(domid);
                } catch (RuntimeException e) {
                    LOG.warn("release hook failed for dom{}", domid, e);
                }
            }
            watches.fireSpecial(RELEASE_DOMAIN, false);
            watches.fireSpecial(RELEASE_DOMAIN + "/" + domid, true);
        }
    }

    /**
     * C {@code domain_tree_remove()}: delete (or hand to dom0) every subtree whose root the domain owns, in the order
     * C's walk of the tree from {@code /} meets them (children in their list's order), so that the watch events
     * come out as C's do. The nodes come from the store's owner index instead of a walk of the whole tree.
     */
    private void removeOrphans(int domid) {
        if (table.nodes(domid) == 0) {
            return;
        }
        boolean keep = quotas.config().keepOrphans();
        List<String> roots = ownedRoots(domid, keep);
        for (String root : roots) {
            if (keep) {
                NodeRecord rec = store.get(root);
                List<XsPermission> perms = new ArrayList<>(rec.perms());
                perms.set(0, new XsPermission(perms.getFirst().access(), 0));
                store.put(root, rec.withPerms(perms, rec.generation()));
            } else if (store.contains(root) && !root.equals("/")) {
                nodes.remove(Request.INTERNAL, root);
            }
        }
    }

    /**
     * The domain's nodes that C's walk would act on, in its order: every owned node when orphans are kept (the walk
     * goes on below them), else the owned nodes with no owned ancestor (a removed subtree is not walked further).
     */
    private List<String> ownedRoots(int domid, boolean keep) {
        List<String> roots = new ArrayList<>();
        for (String node : store.ownedBy(domid)) {
            if (keep || !hasOwnedAncestor(node, domid)) {
                roots.add(node);
            }
        }
        roots.sort(this::walkOrder);
        return roots;
    }

    private boolean hasOwnedAncestor(String node, int domid) {
        for (String at = node; !at.equals("/"); ) {
            at = Paths.parent(at);
            NodeRecord rec = store.get(at);
            if (rec != null && rec.owner() == domid) {
                return true;
            }
        }
        return false;
    }

    /** Depth-first order from {@code /}, children in their parent's list order, a node before its descendants. */
    private int walkOrder(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        List<String> pa = components(a);
        List<String> pb = components(b);
        String parent = "/";
        for (int i = 0; i < Math.min(pa.size(), pb.size()); i++) {
            if (!pa.get(i).equals(pb.get(i))) {
                List<String> children = store.get(parent).children();
                return Integer.compare(children.indexOf(pa.get(i)), children.indexOf(pb.get(i)));
            }
            parent = Paths.child(parent, pa.get(i));
        }
        return Integer.compare(pa.size(), pb.size());   // one is the other's ancestor
    }

    private static List<String> components(String node) {
        return node.equals("/") ? List.of() : List.of(node.substring(1).split("/"));
    }

    // ---- Requests ----

    /** C {@code do_introduce()}. */
    XsMessage doIntroduce(Request r) {
        List<String> args = XsPayloads.split(r.payload());
        if (args.size() < 3) {
            throw fail(EINVAL);
        }
        int domid = CNumbers.atoi(args.get(0));
        long gfn = CNumbers.atol(args.get(1));
        int port = CNumbers.atoi(args.get(2));
        // evtchn_port_t is unsigned: "port <= 0" only catches 0.
        if (port == 0) {
            throw fail(EINVAL);
        }
        if (domid < 0 || domid >= DomainTable.DOMID_FIRST_RESERVED) {
            throw fail(EINVAL);
        }
        DomainIntroducer hook = introducer.get();
        if (hook != null && !hook.introduce(domid, gfn, port)) {
            throw fail(EINVAL);
        }
        introduce(domid);
        return r.ack(XsType.XS_INTRODUCE);
    }

    /** C {@code onearg_domain()}: a non-zero domid of an introduced domain. */
    private static int oneArgDomain(Request r, DomainTable table) {
        String arg = XsPayloads.oneArg(r.payload());
        if (arg == null) {
            throw fail(EINVAL);
        }
        int domid = CNumbers.atoi(arg);
        if (domid == 0) {
            throw fail(EINVAL);
        }
        if (!table.isIntroduced(domid)) {
            throw fail(ENOENT);
        }
        return domid;
    }

    XsMessage doRelease(Request r) {
        release(oneArgDomain(r, table));
        return r.ack(XsType.XS_RELEASE);
    }

    XsMessage doResume(Request r) {
        table.resume(oneArgDomain(r, table));
        return r.ack(XsType.XS_RESUME);
    }

    /** C {@code do_set_target()}: both domains must be introduced. */
    XsMessage doSetTarget(Request r) {
        List<String> args = XsPayloads.split(r.payload());
        if (args.size() < 2) {
            throw fail(EINVAL);
        }
        int domid = CNumbers.atoi(args.get(0));
        int tdomid = CNumbers.atoi(args.get(1));
        if (!table.isIntroduced(domid) || !table.isIntroduced(tdomid)) {
            throw fail(ENOENT);
        }
        table.setTarget(domid, tdomid);
        return r.ack(XsType.XS_SET_TARGET);
    }

    XsMessage doGetDomainPath(Request r) {
        String arg = XsPayloads.oneArg(r.payload());
        if (arg == null) {
            throw fail(EINVAL);
        }
        long domid = Integer.toUnsignedLong(CNumbers.atoi(arg));   // printed with %u
        return r.reply(XsType.XS_GET_DOMAIN_PATH, XsPayloads.strings(Paths.domainPath(domid)));
    }

    XsMessage doIsDomainIntroduced(Request r) {
        String arg = XsPayloads.oneArg(r.payload());
        if (arg == null) {
            throw fail(EINVAL);
        }
        int domid = CNumbers.atoi(arg);
        boolean result = domid == DOMID_SELF || table.isIntroduced(domid);
        return r.reply(XsType.XS_IS_DOMAIN_INTRODUCED, XsPayloads.strings(result ? "T" : "F"));
    }
}
