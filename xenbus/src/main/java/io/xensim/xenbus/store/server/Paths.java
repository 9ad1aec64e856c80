package io.xensim.xenbus.store.server;

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
     * {@code //}; only {@code [A-Za-z0-9-/_@]}; and at most {@code pathMax} bytes ({@code quota_max_path_len},
     * {@code XENSTORE_REL_PATH_MAX} by default) after a leading {@code /local/domain/<domid>/} (since Xen 4.15's
     * "rework path length check"), for every connection and every part of the tree.
     */
    static boolean isValidNodename(String node, int pathMax) {
        // One pass over the characters; every rule only rejects, so the order of the checks does not matter.
        int len = node.length();
        if (len == 0 || node.charAt(0) != '/' || len > localOffset(node) + (long) pathMax) {
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

    /**
     * The length of a leading {@code /local/domain/<domid>/}, or 0: what C's
     * {@code sscanf(node, "/local/domain/%5u/%n", ...)} leaves in {@code local_off}. {@code %5u} reads at most five
     * characters: an optional sign, then at least one decimal digit.
     */
    static int localOffset(String node) {
        if (!node.startsWith(LOCAL_DOMAIN)) {
            return 0;
        }
        int start = LOCAL_DOMAIN.length();
        int i = start;
        int len = node.length();
        if (i < len && (node.charAt(i) == '-' || node.charAt(i) == '+')) {
            i++;
        }
        int digits = i;
        while (i < len && i - start < 5 && node.charAt(i) >= '0' && node.charAt(i) <= '9') {
            i++;
        }
        if (i == digits || i >= len || node.charAt(i) != '/') {
            return 0;
        }
        return i + 1;
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
