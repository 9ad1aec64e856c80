package io.xensim.blk.front;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.protocol.BlkFeatures;
import io.xensim.blk.protocol.BlkbackFeatures;
import io.xensim.blk.protocol.BlkifRequestSegment;
import io.xensim.xenbus.bus.FrontendDevice;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.bus.XenstoreReader;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * blkfront: the guest's end of a Xen PV block device ({@code vbd}), and the {@link GuestBlockDevice} the guest's
 * block layer uses. This class is the xenbus side (the handshake, the disk and the negotiated features), the queue
 * of waiting I/O, and the recovery across a backend restart; each ring is a {@link BlkfrontRing}.
 *
 * <p>Handshake ({@code talk_to_blkback}): min({@code max-ring-page-order}, {@link BlkfrontConfig#maxRingPageOrder})
 * and min({@code multi-queue-max-queues}, {@link BlkfrontConfig#maxQueues}) rings are set up, and one transaction
 * writes {@code ring-page-order} (only for a multi-page ring), the ring refs ({@code ring-ref}, or
 * {@code ring-ref0..N}) and {@code event-channel} (top level for one ring, {@code queue-N/} after
 * {@code multi-queue-num-queues} for more), {@code protocol} = x86_64-abi and {@code feature-persistent}; then
 * Initialised. When the backend is Connected ({@code blkfront_connect}) it reads {@code sectors}, {@code info} and
 * {@code sector-size} (each required: {@code xenbus_dev_fatal} "reading backend fields at ..."),
 * {@code physical-sector-size} (default sector-size), and the features ({@link BlkfrontFeatures#gather}), then
 * Connected and starts I/O.
 *
 * <p>A backend restart ({@code Toolstack.removeBackend} then {@code restoreBackend}) is handled as Linux's resume
 * path: when the backend goes, the requests it had not answered are taken back from the shadows
 * ({@code blkfront_resume}); when it is back, the features are read afresh and those requests re-issued before any
 * new one ({@code blkif_recover}): flush, discard and FUA whole, reads and writes re-split against the new limits,
 * each with fresh grants and new ids. A piece is answered only by a response to its current request, so every
 * operation completes exactly once. New I/O waits while the backend is away.
 *
 * <p>A backend that breaks the protocol disables the device ({@code BLKIF_STATE_ERROR}, "disabled for further use"):
 * pending and new I/O fails with {@link BlkStatus#DISABLED} until the next connection. Only this device is affected.
 *
 * <p><b>Threading:</b> everything runs on the guest domain's executor: the handshake, the guest's calls, the event
 * handlers and the completions. The backend runs on its own domain's executor; only the rings' indices and granted
 * pages are shared, with the orderings of {@link io.xensim.xenbus.ring.FrontRing}.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/xen-blkfront.c ({@code blkfront_probe}, {@code talk_to_blkback},
 * {@code negotiate_mq}, {@code blkfront_connect}, {@code xlvbd_alloc_gendisk}, {@code xlvbd_flush},
 * {@code blkif_queue_rq}, {@code kick_pending_request_queues}, {@code blkif_interrupt}, {@code blkfront_resume},
 * {@code blkif_recover}, {@code blkif_free}).
 */
public final class BlkfrontDevice extends FrontendDevice implements GuestBlockDevice {
    private static final Logger LOG = LoggerFactory.getLogger(BlkfrontDevice.class);

    /** {@code info->connected}. */
    public enum BlkifState {
        /** {@code BLKIF_STATE_DISCONNECTED}: not connected yet. */
        DISCONNECTED,
        /** {@code BLKIF_STATE_CONNECTED}: I/O flows. */
        CONNECTED,
        /** {@code BLKIF_STATE_SUSPENDED}: the backend went away; requests wait to be recovered. */
        SUSPENDED,
        /** {@code BLKIF_STATE_ERROR}: disabled for further use until the next connection. */
        ERROR,
        /** The device was removed: I/O fails. */
        GONE
    }

    private final BlkfrontConfig config;
    private final BlkQueue queue = new BlkQueue();
    private final String name;
    private final int handle;
    private BlkifState state = BlkifState.DISCONNECTED;
    private String stateReason = "probed";
    private List<BlkfrontRing> rings = List.of();
    private int ringPageOrder;
    private boolean bounce;
    private Optional<BlkfrontDisk> disk = Optional.empty();
    private Optional<BlkfrontFeatures> features = Optional.empty();
    private int nextRing;
    private long seq;
    private int outstanding;
    private int recoveries;
    /** The keys the last {@link #talkToBackend} published (relative to this end's directory). */
    private List<String> published = List.of();
    private boolean kicking;
    private boolean kickAgain;

    public BlkfrontDevice(XenbusDevice device, BlkfrontConfig config) {
        super(device);
        this.config = Objects.requireNonNull(config, "config");
        this.handle = device.devid() & 0xffff;
        this.name = diskName(device.devid());
    }

    /**
     * {@code xlvbd_alloc_gendisk}'s name for a vdev ({@code xvda} for 51712). Extended numbers name disks by
     * {@code minor / 256}; others go through {@code xen_translate_vdev}: IDE (majors 3, 22) and SCSI (8, 65-71,
     * 128-135) numbers become the xvd names of the emulated disks they shadow: hda..hdd are xvda..xvdd with the
     * partition dropped (64 minors a disk become 16), sda.. are xvda.. with the partition kept (the emulated-SD name
     * offset is 0 since Linux 3.x); xvd (202) is {@code minor / 16}. Linux refuses a major it does not know; here
     * it is read as xvd.
     */
    public static String diskName(int vdevice) {
        int minor;
        int offset;
        int parts;
        if ((vdevice & (1 << 28)) != 0) {
            minor = vdevice & ~(1 << 28);
            parts = 256;
            offset = minor / parts;
        } else {
            int major = (vdevice >> 8) & 0xff;
            minor = vdevice & 0xff;
            parts = 16;
            if (major == 3 || major == 22) { // XEN_IDE0_MAJOR, XEN_IDE1_MAJOR: 64 minors a disk
                offset = minor / 64 + (major == 22 ? 2 : 0);
                minor = offset * parts;
            } else if (major == 8 || (major >= 65 && major <= 71) || (major >= 128 && major <= 135)) {
                int group = major == 8 ? 0 : major <= 71 ? major - 65 + 1 : major - 128 + 8;
                offset = group * 16 + minor / parts; // EMULATED_SD_DISK_NAME_OFFSET is 0: sda is xvda
                minor += group * 16 * parts;
            } else {
                offset = minor / parts;
            }
        }
        StringBuilder disk = new StringBuilder();
        for (int n = offset + 1; n > 0; n = (n - 1) / 26) { // encode_disk_name: a..z, aa..zz, aaa..
            disk.insert(0, (char) ('a' + (n - 1) % 26));
        }
        int part = minor % parts;
        return "xvd" + disk + (part == 0 ? "" : Integer.toString(part));
    }

    // ------------------------------------------------------------------------------------------ state

    /** The one place {@code info->connected} changes. */
    private void transition(BlkifState next, String why) {
        assert device.domain().executor().inExecutor();
        if (device.tracing()) {
            device.trace(TraceEvent.Kind.INFO, name + ": " + state + " -> " + next + " (" + why + ")");
        }
        state = next;
        stateReason = why;
    }

    public BlkifState blkifState() {
        return state;
    }

    /** Why the device is in its {@link #blkifState()} (the disabling reason while ERROR). */
    public String blkifStateReason() {
        return stateReason;
    }

    boolean ioEnabled() {
        return state == BlkifState.CONNECTED;
    }

    // ------------------------------------------------------------------------------------------ handshake

    @Override
    protected CompletableFuture<Map<String, String>> talkToBackend(XenstoreReader backend) {
        var offer = BlkbackFeatures.read(backend);
        var trustedKey = device.own().readUnsigned(BlkFeatures.TRUSTED, 1);
        return CompletableFuture.allOf(offer, trustedKey).thenApply(v -> {
            BlkbackFeatures f = offer.join();
            bounce = !config.trusted() || trustedKey.join() == 0;
            ringPageOrder = f.ringPageOrder(config.maxRingPageOrder());
            int nrRings = f.queues(config.maxQueues()); // negotiate_mq()
            List<BlkfrontRing> created = new ArrayList<>(nrRings);
            for (int i = 0; i < nrRings; i++) {
                created.add(BlkfrontRing.setup(this, i, ringPageOrder));
            }
            rings = List.copyOf(created);
            Map<String, String> keys = new LinkedHashMap<>();
            if (ringPageOrder > 0) {
                keys.put(BlkFeatures.RING_PAGE_ORDER, Integer.toString(ringPageOrder));
            }
            if (nrRings == 1) {
                rings.get(0).writeKeys(keys, "");
            } else {
                keys.put(BlkFeatures.MULTI_QUEUE_NUM_QUEUES, Integer.toString(nrRings));
                for (BlkfrontRing r : rings) {
                    r.writeKeys(keys, BlkFeatures.queueDir(r.index()) + "/");
                }
            }
            keys.put(BlkFeatures.PROTOCOL, BlkFeatures.XEN_IO_PROTO_ABI_NATIVE);
            keys.put(BlkFeatures.FEATURE_PERSISTENT, config.featurePersistent() ? "1" : "0");
            return keys;
        }).thenCompose(this::removeStaleKeys);
    }

    /** Removes what the previous connection published and this one does not ({@link BlkfrontKeys#stale}). */
    private CompletableFuture<Map<String, String>> removeStaleKeys(Map<String, String> keys) {
        List<String> stale = BlkfrontKeys.stale(published, keys.keySet());
        published = List.copyOf(keys.keySet());
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (String key : stale) {
            String path = device.nodename() + "/" + key;
            chain = chain.thenCompose(v -> device.xs().rm(path).exceptionally(e -> null));
        }
        return chain.thenApply(v -> keys);
    }

    @Override
    protected CompletableFuture<Void> connected(XenstoreReader backend) {
        boolean recovering = state == BlkifState.SUSPENDED && disk.isPresent();
        // blkif_recover() reads only the features again: the disk is the one the guest already has.
        CompletableFuture<Void> readDisk = recovering ? CompletableFuture.completedFuture(null)
                : BlkfrontDisk.read(backend).thenAccept(d -> disk = Optional.of(d));
        return readDisk.thenCompose(v -> BlkfrontFeatures.gather(backend, config, bounce)).thenAccept(f -> {
            features = Optional.of(f);
            device.trace(TraceEvent.Kind.INFO, "blkfront: " + name + ": " + f.describe());
            if (recovering) {
                recoveries++;
                device.trace(TraceEvent.Kind.INFO, "blkif_recover: " + name + ": re-issuing " + queue.size()
                        + " queued request(s) first, reads and writes re-split to " + f.maxSegmentsPerRequest()
                        + " segments per request over " + rings.size() + " ring(s), fresh grants and ids");
            }
            transition(BlkifState.CONNECTED, recovering ? "blkif_recover" : "blkfront_connect");
            kick();
        });
    }

    @Override
    protected void disconnect() {
        // blkfront_resume(): take back what the backend did not answer, in submission order.
        List<Piece> inFlight = new ArrayList<>();
        for (BlkfrontRing r : rings) {
            for (Piece p : r.inFlight()) {
                if (!p.io().done()) {
                    inFlight.add(p);
                }
            }
        }
        inFlight.sort(Comparator.comparingLong((Piece p) -> p.io().seq).thenComparingLong(Piece::sector));
        rings = List.of(); // blkif_free(): the grants, rings and ports go back with the device's resources
        if (device.isRemoved()) {
            inFlight.forEach(p -> p.io().fail(BlkStatus.NO_DEVICE));
            queue.drain().forEach(io -> io.fail(BlkStatus.NO_DEVICE));
            transition(BlkifState.GONE, "device removed");
            return;
        }
        long whole = inFlight.stream().filter(p -> p.io().kind.requeuedWhole()).count();
        if (!inFlight.isEmpty()) {
            device.trace(TraceEvent.Kind.INFO, "blkfront_resume: " + name + ": " + inFlight.size()
                    + " request(s) in flight taken back: " + whole + " flush/discard/FUA re-queued whole, "
                    + (inFlight.size() - whole) + " read/write(s) to be re-split on reconnect");
        }
        queue.requeueFront(inFlight);
        transition(BlkifState.SUSPENDED, "backend gone");
    }

    @Override
    protected void removed() {
        // blkfront_remove(): the disk goes; nothing waits for a backend any more.
        queue.drain().forEach(io -> io.fail(BlkStatus.NO_DEVICE));
        if (state != BlkifState.GONE) {
            transition(BlkifState.GONE, "device removed");
        }
    }

    // ------------------------------------------------------------------------------------------ dispatch

    /**
     * {@code kick_pending_request_queues} / {@code blkif_queue_rq}: moves waiting pieces onto the rings. A guest
     * callback that submits more I/O from inside a completion runs here again; that nested call only marks the
     * queue for another pass, so one pass at a time takes pieces off it.
     */
    void kick() {
        if (kicking) {
            kickAgain = true;
            return;
        }
        kicking = true;
        try {
            do {
                kickAgain = false;
                kickOnce();
            } while (kickAgain);
        } finally {
            kicking = false;
        }
    }

    private void kickOnce() {
        if (state != BlkifState.CONNECTED || rings.isEmpty()) {
            return;
        }
        BlkfrontFeatures f = features.orElseThrow();
        boolean[] touched = new boolean[rings.size()];
        while (!queue.isEmpty()) {
            Piece head = queue.peek();
            f = features.orElseThrow(); // a completion may have turned a feature off
            BlkStatus refused = refusal(head.io(), f);
            if (refused != null) {
                queue.poll();
                head.io().fail(refused);
                continue;
            }
            int max = head.io().kind == GuestIo.Kind.WRITE_FUA ? BlkfrontFeatures.MAX_SPLIT_SEGMENTS
                    : f.maxSegmentsPerRequest();
            Piece piece = queue.fitHead(max);
            boolean placed = false;
            for (int k = 0; k < rings.size() && !placed; k++) {
                int r = (nextRing + k) % rings.size();
                if (rings.get(r).queue(piece, f, handle)) {
                    placed = true;
                    touched[r] = true;
                    nextRing = (r + 1) % rings.size();
                }
            }
            if (!placed) {
                break; // every ring is full: responses will kick again
            }
            queue.poll();
            if (state != BlkifState.CONNECTED) {
                break;
            }
        }
        for (int r = 0; r < touched.length && r < rings.size(); r++) {
            if (touched[r]) {
                rings.get(r).flushRequests();
            }
        }
    }

    /** What the guest's block layer answers without sending anything, or null to send. */
    private BlkStatus refusal(GuestIo io, BlkfrontFeatures f) {
        BlkfrontDisk d = disk.orElseThrow();
        if (io.kind.writes() && d.readOnly()) {
            return BlkStatus.READ_ONLY;
        }
        if (io.kind != GuestIo.Kind.FLUSH && (io.sector < 0 || io.nrSectors > d.sectors() - io.sector)) {
            return BlkStatus.IO_ERROR; // "attempt to access beyond end of device"
        }
        long perBlock = d.sectorSize() / BlkifRequestSegment.SECTOR_SIZE;
        if (io.kind != GuestIo.Kind.FLUSH && (io.sector % perBlock != 0 || io.nrSectors % perBlock != 0)) {
            return BlkStatus.IO_ERROR; // not in whole logical blocks (blk_queue_logical_block_size)
        }
        if (io.kind == GuestIo.Kind.FLUSH && !f.flush()) {
            return BlkStatus.OK; // no volatile cache to flush
        }
        if (io.kind == GuestIo.Kind.DISCARD && !f.discard()) {
            return BlkStatus.NOT_SUPPORTED;
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------ ring callbacks

    void answered(Piece piece, BlkStatus status) {
        piece.io().answered(piece.units(), status);
    }

    boolean persistent() {
        return features.map(BlkfrontFeatures::persistent).orElse(false);
    }

    /** {@code blkif_interrupt}'s error path: {@code BLKIF_STATE_ERROR}, and everything pending fails. */
    void disable(String why) {
        if (state == BlkifState.ERROR) {
            return;
        }
        transition(BlkifState.ERROR, why);
        LOG.warn("dom{} {}: {}; {} disabled for further use", device.domid(), name, why, name);
        device.trace(TraceEvent.Kind.RING, name + ": " + why + "; " + name + " disabled for further use");
        for (BlkfrontRing r : rings) {
            r.inFlight().forEach(p -> p.io().fail(BlkStatus.DISABLED));
        }
        queue.drain().forEach(io -> io.fail(BlkStatus.DISABLED));
    }

    /** A flush or barrier failed: {@code feature_flush = feature_fua = 0} and {@code xlvbd_flush}. */
    void flushUnsupported(String op) {
        features = features.map(BlkfrontFeatures::withoutFlush);
        device.trace(TraceEvent.Kind.INFO, "blkfront: " + name + ": " + op + " op failed; "
                + features.map(BlkfrontFeatures::describe).orElse(""));
    }

    /** A discard answered EOPNOTSUPP: {@code feature_discard = feature_secdiscard = 0}. */
    void discardUnsupported(String op) {
        features = features.map(BlkfrontFeatures::withoutDiscard);
        device.trace(TraceEvent.Kind.INFO, "blkfront: " + name + ": " + op + " op failed; discard disabled");
    }

    // ------------------------------------------------------------------------------------------ guest API

    private CompletableFuture<BlkStatus> submit(GuestIo.Kind kind, long sector, long nrSectors,
            MemorySegment buffer) {
        assert device.domain().executor().inExecutor();
        GuestIo io = new GuestIo(kind, sector, nrSectors, buffer, seq++);
        GuestBlockDevice.State now = state();
        if (now == GuestBlockDevice.State.GONE) {
            io.fail(BlkStatus.NO_DEVICE);
            return io.future;
        }
        if (now == GuestBlockDevice.State.DISABLED) {
            io.fail(BlkStatus.DISABLED);
            return io.future;
        }
        outstanding++;
        io.future.whenComplete((s, e) -> outstanding--);
        queue.add(io.whole());
        kick();
        return io.future;
    }

    private static long dataSectors(MemorySegment buffer) {
        Objects.requireNonNull(buffer, "buffer");
        long bytes = buffer.byteSize();
        if (bytes == 0 || bytes % BlkifRequestSegment.SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("buffer: " + bytes + " bytes (expected: a positive multiple of "
                    + BlkifRequestSegment.SECTOR_SIZE + ")");
        }
        return bytes / BlkifRequestSegment.SECTOR_SIZE;
    }

    @Override
    public CompletableFuture<BlkStatus> read(long sector, MemorySegment dst) {
        return submit(GuestIo.Kind.READ, sector, dataSectors(dst), dst);
    }

    @Override
    public CompletableFuture<BlkStatus> write(long sector, MemorySegment src) {
        return submit(GuestIo.Kind.WRITE, sector, dataSectors(src), src);
    }

    @Override
    public CompletableFuture<BlkStatus> writeFua(long sector, MemorySegment src) {
        return submit(GuestIo.Kind.WRITE_FUA, sector, dataSectors(src), src);
    }

    @Override
    public CompletableFuture<BlkStatus> flush() {
        return submit(GuestIo.Kind.FLUSH, 0, 0, null);
    }

    @Override
    public CompletableFuture<BlkStatus> discard(long sector, long nrSectors) {
        if (nrSectors < 1) {
            throw new IllegalArgumentException("nrSectors: " + nrSectors + " (expected: >= 1)");
        }
        return submit(GuestIo.Kind.DISCARD, sector, nrSectors, null);
    }

    @Override
    public GuestBlockDevice.State state() {
        if (state == BlkifState.GONE || phase() == Phase.UNPLUGGED || phase() == Phase.REMOVED) {
            return GuestBlockDevice.State.GONE;
        }
        return switch (state) {
            case CONNECTED -> GuestBlockDevice.State.CONNECTED;
            case ERROR -> GuestBlockDevice.State.DISABLED;
            default -> GuestBlockDevice.State.NOT_CONNECTED;
        };
    }

    @Override
    public long sectors() {
        return disk.map(BlkfrontDisk::sectors).orElse(0L);
    }

    @Override
    public int sectorSize() {
        return disk.map(BlkfrontDisk::sectorSize).orElse(BlkifRequestSegment.SECTOR_SIZE);
    }

    @Override
    public int physicalSectorSize() {
        return disk.map(BlkfrontDisk::physicalSectorSize).orElse(BlkifRequestSegment.SECTOR_SIZE);
    }

    @Override
    public boolean readOnly() {
        return disk.map(BlkfrontDisk::readOnly).orElse(false);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int queueDepth() {
        return state == BlkifState.CONNECTED ? rings.stream().mapToInt(BlkfrontRing::size).sum() : 0;
    }

    @Override
    public int outstanding() {
        return outstanding;
    }

    /**
     * The guest unplugs the disk ({@code blkfront_remove} after {@code blkfront_closing}): every operation not yet
     * answered fails with {@link BlkStatus#NO_DEVICE}, and the device closes ({@link #close()}); it does not
     * reconnect. Use this rather than {@link #close()}, which leaves waiting I/O waiting for a reconnection.
     */
    public void unplug() {
        assert device.domain().executor().inExecutor();
        for (BlkfrontRing r : rings) {
            r.inFlight().forEach(p -> p.io().fail(BlkStatus.NO_DEVICE));
        }
        queue.drain().forEach(io -> io.fail(BlkStatus.NO_DEVICE));
        transition(BlkifState.GONE, "unplugged by the guest");
        close();
    }

    // ------------------------------------------------------------------------------------------ status

    public Optional<BlkfrontDisk> disk() {
        return disk;
    }

    /** What the current (or last) connection negotiated. */
    public Optional<BlkfrontFeatures> features() {
        return features;
    }

    /** Rings of the current connection (0 while not connected). */
    public int ringCount() {
        return rings.size();
    }

    /** The ring-page-order of the current (or last) connection. */
    public int ringPageOrder() {
        return ringPageOrder;
    }

    /** Ring requests waiting for a response, over all rings. */
    public int inFlightRequests() {
        return rings.stream().mapToInt(BlkfrontRing::inUse).sum();
    }

    /** Pieces waiting in the queue for ring slots (or for the backend to come back). */
    public int queued() {
        return queue.size();
    }

    /** Persistent grants the rings hold for reuse. */
    public int persistentGrants() {
        return rings.stream().mapToInt(BlkfrontRing::persistentGrants).sum();
    }

    /** How many times the device recovered across a backend restart ({@code blkif_recover}). */
    public int recoveries() {
        return recoveries;
    }

    /** The bounce decision of the current connection ({@code !trusted}, or persistent grants). */
    public boolean bounce() {
        return features.map(BlkfrontFeatures::bounce).orElse(bounce);
    }
}
