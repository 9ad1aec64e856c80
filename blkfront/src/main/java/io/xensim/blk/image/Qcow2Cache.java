package io.xensim.blk.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A write-back cache of one kind of qcow2 metadata table, each one cluster (L2 tables, or refcount blocks),
 * keyed by the table's host offset: QEMU's {@code Qcow2Cache} ({@code s->l2_table_cache},
 * {@code s->refcount_block_cache}). A changed table is only marked dirty; {@link #writeDirty} writes the dirty
 * ones out when the owning image writes back its metadata, in the order its crash-safety needs (refcount blocks
 * before L2 tables). At most {@code capacity} tables are held; only clean ones are evicted, least recently used
 * first, so the owner writes back when every table is dirty ({@link #evictClean} says so).
 *
 * <p><b>Threading:</b> not thread-safe: used under the owning {@link Qcow2Image}'s lock.
 *
 * <p><b>Reference:</b> QEMU block/qcow2-cache.c ({@code qcow2_cache_get}, {@code qcow2_cache_entry_mark_dirty},
 * {@code qcow2_cache_write}: dirty entries written, then the dependency order is kept by the caller's flushes).
 */
final class Qcow2Cache {
    /** One cached table: its host offset and its bytes (big-endian, as on disk). */
    static final class Table {
        final long offset;
        final ByteBuffer bytes;
        private boolean dirty;

        private Table(long offset, ByteBuffer bytes) {
            this.offset = offset;
            this.bytes = bytes;
        }

        long entry(int index) {
            return bytes.getLong(index * 8);
        }

        void setEntry(int index, long value) {
            bytes.putLong(index * 8, value);
            dirty = true;
        }

        void markDirty() {
            dirty = true;
        }
    }

    private final String kind;
    private final int tableSize;
    private final int capacity;
    private final LinkedHashMap<Long, Table> tables = new LinkedHashMap<>(16, 0.75f, true);

    Qcow2Cache(String kind, int tableSize, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.kind = kind;
        this.tableSize = tableSize;
        this.capacity = capacity;
    }

    /** The table at {@code offset}, read from {@code file} if it is not cached. The caller made room first. */
    Table get(Qcow2File file, long offset) throws IOException {
        Table t = tables.get(offset);
        if (t == null) {
            ByteBuffer bytes = ByteBuffer.allocate(tableSize).order(ByteOrder.BIG_ENDIAN);
            file.read(bytes, offset);
            t = new Table(offset, bytes.clear());
            tables.put(offset, t);
        }
        return t;
    }

    /** A new all-zero table at {@code offset}, dirty (a newly allocated cluster), replacing any cached one. */
    Table create(long offset) {
        Table t = new Table(offset, ByteBuffer.allocate(tableSize).order(ByteOrder.BIG_ENDIAN));
        t.dirty = true;
        tables.put(offset, t);
        return t;
    }

    /** Whether adding a table would exceed the capacity. */
    boolean full() {
        return tables.size() >= capacity;
    }

    /**
     * Evicts clean tables, least recently used first, until one more fits; false if every table is dirty
     * (the owner must write back first).
     */
    boolean evictClean() {
        for (Iterator<Table> it = tables.values().iterator(); it.hasNext() && tables.size() >= capacity; ) {
            if (!it.next().dirty) {
                it.remove();
            }
        }
        return tables.size() < capacity;
    }

    boolean hasDirty() {
        for (Table t : tables.values()) {
            if (t.dirty) {
                return true;
            }
        }
        return false;
    }

    /** Writes every dirty table to {@code file} (in offset order) and marks it clean; returns how many. */
    int writeDirty(Qcow2File file) throws IOException {
        List<Table> dirty = new ArrayList<>();
        for (Table t : tables.values()) {
            if (t.dirty) {
                dirty.add(t);
            }
        }
        dirty.sort((a, b) -> Long.compare(a.offset, b.offset));
        for (Table t : dirty) {
            file.writeMetadata(t.bytes.duplicate().clear(), t.offset);
            t.dirty = false;   // only after its write succeeded: a failed write stays dirty for the next try
        }
        return dirty.size();
    }

    int size() {
        return tables.size();
    }

    @Override
    public String toString() {
        int dirty = 0;
        for (Map.Entry<Long, Table> e : tables.entrySet()) {
            dirty += e.getValue().dirty ? 1 : 0;
        }
        return kind + " cache[" + tables.size() + "/" + capacity + ", " + dirty + " dirty]";
    }
}
