package io.xensim.xenbus.store.server;

import io.xensim.xenbus.store.wire.XsPermission;
import java.util.List;

/**
 * One node as stored: value, permissions, child names in creation order, and the generation count of its last
 * change. Immutable, so a transaction can hold a copy by reference, the way C xenstored keeps a transaction's
 * private copy of a node under a prefixed TDB key.
 *
 * <p>{@link #recordSize()} is the size of C's TDB record ({@code struct xs_tdb_record_hdr}: u64 generation and three
 * u32 counts, padded to 24 bytes, then 8 bytes per {@code struct xs_permissions}, the value and the NUL-terminated
 * child names), which is what the node-size quota and the memory accounting measure.
 */
record NodeRecord(byte[] data, List<XsPermission> perms, List<String> children, long generation) {
    /** C's {@code NO_GENERATION}: the generation recorded for a node that does not exist. */
    static final long NO_GENERATION = -1L;
    /** {@code sizeof(struct xs_tdb_record_hdr)} on x86_64. */
    static final int RECORD_HEADER = 24;
    /** {@code sizeof(struct xs_permissions)}. */
    static final int PERM_SIZE = 8;

    NodeRecord {
        perms = List.copyOf(perms);
        children = List.copyOf(children);
    }

    int owner() {
        return perms.getFirst().domid();
    }

    /** Bytes of the NUL-separated child list ({@code node->childlen}). */
    int childLen() {
        int n = 0;
        for (int i = 0; i < children.size(); i++) {
            n += children.get(i).length() + 1;
        }
        return n;
    }

    int recordSize() {
        return RECORD_HEADER + PERM_SIZE * perms.size() + data.length + childLen();
    }

    NodeRecord withData(byte[] newData, long gen) {
        return new NodeRecord(newData, perms, children, gen);
    }

    NodeRecord withPerms(List<XsPermission> newPerms, long gen) {
        return new NodeRecord(data, newPerms, children, gen);
    }

    NodeRecord withChildren(List<String> newChildren, long gen) {
        return new NodeRecord(data, perms, newChildren, gen);
    }
}
