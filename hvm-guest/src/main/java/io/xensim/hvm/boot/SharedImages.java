package io.xensim.hvm.boot;

import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.image.BlockImage;
import io.xensim.blk.image.ImageStats;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * dom0's disk images when one target has two users at once, as an HVM guest's disk does: blkback's loop device and
 * the device model's IDE drive both open the config's target, and on a real host both see the same file. Each
 * target is opened once through {@code delegate} and every caller gets a view of it; the image is closed when the
 * last view is. The first open decides whether the image is writable; a later writable open of a read-only image
 * fails.
 *
 * <p><b>Threading:</b> safe from any thread: blkback's hotplug opens on dom0's executor, the device model on the
 * guest's; the views' I/O goes straight to the shared image, which is safe for concurrent use.
 */
public final class SharedImages implements ImageOpener {
    private final ImageOpener delegate;
    private final Map<String, Entry> open = new HashMap<>();

    private static final class Entry {
        final BlockImage image;
        int users;

        Entry(BlockImage image) {
            this.image = image;
        }
    }

    public SharedImages(ImageOpener delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public synchronized BlockImage open(String params, boolean writable) throws IOException {
        Entry e = open.get(params);
        if (e == null) {
            e = new Entry(delegate.open(params, writable));
            open.put(params, e);
        } else if (writable && !e.image.writable()) {
            throw new IOException(params + " is open read-only by another user");
        }
        e.users++;
        return new View(params, e, writable);
    }

    /** Targets open now, with how many users each. */
    public synchronized Map<String, Integer> users() {
        Map<String, Integer> out = new HashMap<>();
        open.forEach((k, v) -> out.put(k, v.users));
        return out;
    }

    private synchronized void release(String params, Entry e) throws IOException {
        if (--e.users == 0) {
            open.remove(params);
            e.image.close();
        }
    }

    /** One user's handle on a shared image. */
    private final class View implements BlockImage {
        private final String params;
        private final Entry entry;
        private final boolean writable;
        private boolean closed;

        View(String params, Entry entry, boolean writable) {
            this.params = params;
            this.entry = entry;
            this.writable = writable;
        }

        @Override
        public String name() {
            return entry.image.name();
        }

        @Override
        public long sectors() {
            return entry.image.sectors();
        }

        @Override
        public int sectorSize() {
            return entry.image.sectorSize();
        }

        @Override
        public int physicalSectorSize() {
            return entry.image.physicalSectorSize();
        }

        @Override
        public boolean writable() {
            return writable && entry.image.writable();
        }

        @Override
        public boolean discardable() {
            return entry.image.discardable();
        }

        @Override
        public void read(long offset, MemorySegment dst) throws IOException {
            entry.image.read(offset, dst);
        }

        @Override
        public void write(long offset, MemorySegment src) throws IOException {
            if (!writable()) {
                throw new IOException(name() + ": opened read-only");
            }
            entry.image.write(offset, src);
        }

        @Override
        public void flush() throws IOException {
            entry.image.flush();
        }

        /** The shared image's counts: every user's I/O together. */
        @Override
        public ImageStats stats() {
            return entry.image.stats();
        }

        @Override
        public void discard(long offset, long length) throws IOException {
            entry.image.discard(offset, length);
        }

        @Override
        public void close() throws IOException {
            synchronized (SharedImages.this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            release(params, entry);
        }
    }
}
