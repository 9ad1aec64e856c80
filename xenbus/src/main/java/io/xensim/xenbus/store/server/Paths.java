package io.xensim.xenbus.store.server;

import io.xensim.xenbus.store.wire.XsdSockmsg;

/** Path rules of C xenstored 4.17 ({@code is_valid_nodename()}, {@code canonicalize()}, {@code get_parent()}). */
final class Paths {
    private static final String LOCAL_DOMAIN = "/local/domain/";

    private Paths() {
    }

    /** {@code /local/domain/<domid>}: a connection's implicit path and the answer to GET_DOMAIN_PATH. */
    static String domainPath(long domid) {
        return LOCAL_DOMAIN + domid;
    }

    /**
     * A relative path is taken under the connection's implicit path; absolute paths and special ({@code @})
     * names are unchanged. C also gives socket connections dom0's implicit path ({@code get_implicit_path()}).
     */
    static String canonicalize(String path, int domid) {
        if (!path.isEmpty() && (path.charAt(0) == '/' || path.charAt(0) == '@')) {
            return path;
        }
        return domainPath(domid) + "/" + path;
    }

    /**
     * C 4.17's {@code is_valid_nodename()}: starts with {@code /}; no trailing {@code /} except the root; no
     * {@code //}; at most {@code XENSTORE_ABS_PATH_MAX} bytes; only {@code [A-Za-z0-9-/_@]}. (The per-domain
     * {@code XENSTORE_REL_PATH_MAX} limit below {@code /local/domain/<domid>/}, the "path-max" quota, came with
     * Xen 4.18.)
     */
    static boolean isValidNodename(String node) {
        // One pass over the characters; every rule only rejects, so the order of the checks does not matter.
        int len = node.length();
        if (len == 0 || len > XsdSockmsg.XENSTORE_ABS_PATH_MAX || node.charAt(0) != '/') {
            return false;
        }
        char prev = 0;
        for (int i = 0; i < len; i++) {
            char c = node.charAt(i);
            if (c == '/') {
                if (prev == '/') {
                    return false;   // "//"
                }
            } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
                    || c == '-' || c == '_' || c == '@')) {
                return false;
            }
            prev = c;
        }
        return prev != '/' || len == 1;   // no trailing '/' except the root itself
    }

    /** Parent path; {@code /} for top-level nodes. */
    static String parent(String node) {
        int slash = node.lastIndexOf('/');
        return slash <= 0 ? "/" : node.substring(0, slash);
    }

    /** Last component (the name in the parent's child list). */
    static String basename(String node) {
        return node.substring(node.lastIndexOf('/') + 1);
    }

    static String child(String parent, String name) {
        return parent.equals("/") ? "/" + name : parent + "/" + name;
    }

    /** C's {@code is_child()} of xenstored_watch.c: equal, below, or the parent is the root (which matches all). */
    static boolean isChild(String child, String parent) {
        if (parent.equals("/")) {
            return true;
        }
        if (!child.startsWith(parent)) {
            return false;
        }
        return child.length() == parent.length() || child.charAt(parent.length()) == '/';
    }
}
