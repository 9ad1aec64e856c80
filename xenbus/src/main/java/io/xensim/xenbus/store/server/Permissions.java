package io.xensim.xenbus.store.server;

import static io.xensim.xenbus.store.server.RequestFailure.fail;
import static io.xensim.xenbus.store.wire.XsError.EACCES;
import static io.xensim.xenbus.store.wire.XsError.EINVAL;

import io.xensim.xenbus.store.wire.XsPermission;
import java.util.List;

/**
 * Who may do what to a node, C's {@code perm_for_conn()}, and the permissions of the special watch nodes
 * {@code @introduceDomain} and {@code @releaseDomain}.
 *
 * <p>Privileged connections (and xenstored itself) may do everything. The owner (first entry) and a connection
 * acting for the owner ({@code XS_SET_TARGET}) may do everything; other domains get the access of their own entry
 * or else the first entry's. ({@link Nodes#getNode} turns that into ENOENT or EACCES for a request.)
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 *
 * <p><b>Reference:</b> xenstored_core.c and {@code set_perms_special()}/{@code check_perms_special()} of
 * xenstored_domain.c. Not modelled: {@code XS_PERM_IGNORE} for entries of domains that did not exist when set or
 * are younger than the node; such entries count.
 */
final class Permissions {
    static final int PERM_READ = 1;
    static final int PERM_WRITE = 2;
    static final int PERM_OWNER = 8;
    private static final int PERM_ALL = PERM_READ | PERM_WRITE | PERM_OWNER;

    static final String INTRODUCE_DOMAIN = "@introduceDomain";
    static final String RELEASE_DOMAIN = "@releaseDomain";

    private final DomainTable domains;
    private List<XsPermission> introducePerms = List.of(XsPermission.none(0));
    private List<XsPermission> releasePerms = List.of(XsPermission.none(0));

    Permissions(DomainTable domains) {
        this.domains = domains;
    }

    /** C {@code perm_for_conn()}; a null connection is xenstored itself. */
    int permFor(XsConnection c, List<XsPermission> perms) {
        if (c == null || c.info().privileged()) {
            return PERM_ALL;
        }
        int id = c.info().domid();
        int target = domains.target(id);
        int owner = perms.getFirst().domid();
        if (owner == id || (target >= 0 && owner == target)) {
            return PERM_ALL;
        }
        for (int i = 1; i < perms.size(); i++) {
            int d = perms.get(i).domid();
            if (d == id || (target >= 0 && d == target)) {
                return perms.get(i).access().bits();
            }
        }
        return perms.getFirst().access().bits();
    }

    boolean mayRead(XsConnection c, List<XsPermission> perms) {
        return (permFor(c, perms) & PERM_READ) != 0;
    }

    // ---- Special nodes (C set_perms_special(), check_perms_special()) ----

    static boolean isSpecial(String name) {
        return name.startsWith("@");
    }

    /** The permissions of the special node an event name belongs to ({@code @releaseDomain/<domid>} included). */
    List<XsPermission> specialPerms(String name) {
        return name.equals(INTRODUCE_DOMAIN) || name.startsWith(INTRODUCE_DOMAIN + "/")
                ? introducePerms : releasePerms;
    }

    /** C {@code set_perms_special()}: the special node must grant write and ownership to the caller. */
    void setSpecialPerms(Request r, String name, List<XsPermission> perms) {
        boolean introduce = name.equals(INTRODUCE_DOMAIN);
        if (!introduce && !name.equals(RELEASE_DOMAIN)) {
            throw fail(EINVAL);
        }
        List<XsPermission> current = introduce ? introducePerms : releasePerms;
        if ((permFor(r.conn, current) & (PERM_WRITE | PERM_OWNER)) != (PERM_WRITE | PERM_OWNER)) {
            throw fail(EACCES);
        }
        if (introduce) {
            introducePerms = List.copyOf(perms);
        } else {
            releasePerms = List.copyOf(perms);
        }
    }
}
