package io.xensim.testbed.scenario;

import io.xensim.blk.image.ImageStats;
import io.xensim.testbed.bench.FlushGuest;
import io.xensim.testbed.bench.FlushGuest.ImageKind;
import io.xensim.testbed.bench.FlushGuest.Result;
import io.xensim.testbed.scenario.ScenarioResult.Check;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 12's flush-heavy guest as a scenario: a journaling file system's pattern (a 4 KiB write at a random offset,
 * then a cache flush, one after the other) for {@link #OPS} operations on each image kind ({@link ImageKind}: raw
 * sparse, raw preallocated, qcow2 default, qcow2 with {@code preallocation=metadata,cluster_size=2M}), each a
 * fresh {@value #IMAGE_MIB} MiB image in the temporary directory, served as a {@code qdisk} disk
 * ({@link FlushGuest}). It prints flushes/s, writes/s, host fsyncs per guest flush and metadata writes per guest
 * write for each, and how much of qcow2's slowdown against raw sparse the seed's advice takes back.
 *
 * <p>The images must sit on a real file system (fsync's cost is the point): the scenario names the temporary
 * directory's file system and says so when it is tmpfs.
 *
 * <p><b>Threading:</b> the caller's thread runs every case in turn.
 */
final class Qcow2Flush implements Scenario {
    static final int OPS = 250;
    static final long IMAGE_MIB = 1024;
    static final long SEED = 0x0f1a5eedL;

    @Override
    public String name() {
        return "qcow2-flush";
    }

    @Override
    public String summary() {
        return "a flush-heavy guest (4 KiB write + flush, " + OPS + " times) on raw sparse, raw preallocated, "
                + "qcow2 default and qcow2 metadata-preallocated with 2M clusters: where the fsyncs go";
    }

    @Override
    public ScenarioResult run(PrintWriter out) {
        try {
            Path dir = Files.createTempDirectory("xensim-qcow2-flush");
            try {
                String fs = Files.getFileStore(dir).type();
                out.println("images in " + dir + " (" + fs + (fs.equals("tmpfs")
                        ? ": tmpfs, so fsync costs nothing and the figures say little" : "") + "), " + IMAGE_MIB
                        + " MiB each, " + OPS + " x (4 KiB write at a random offset, then flush)");
                Map<ImageKind, Result> results = new EnumMap<>(ImageKind.class);
                out.printf(Locale.ROOT, "%-18s %10s %10s %12s %14s %12s %9s%n", "image", "flushes/s", "writes/s",
                        "fsyncs/flush", "metadata/write", "data/write", "vs raw");
                for (ImageKind kind : ImageKind.values()) {
                    try (FlushGuest guest = new FlushGuest(kind, dir, IMAGE_MIB << 20, SEED)) {
                        Result r = guest.run(OPS);
                        results.put(kind, r);
                        out.println(row(r, results.get(ImageKind.RAW_SPARSE)));
                        out.flush();
                    }
                }
                return judge(results);
            } finally {
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String row(Result r, Result baseline) {
        ImageStats s = r.stats();
        double dataPerWrite = s.guestWrites() == 0 ? 0 : (double) s.hostDataWrites() / s.guestWrites();
        String vs = baseline == null ? "1.00x" : String.format(Locale.ROOT, "%.2fx",
                r.flushesPerSecond() / baseline.flushesPerSecond());
        return String.format(Locale.ROOT, "%-18s %10.1f %10.1f %12.2f %14.2f %12.2f %9s",
                r.kind().name().toLowerCase(Locale.ROOT), r.flushesPerSecond(), r.writesPerSecond(),
                s.fsyncsPerFlush(), s.metadataWritesPerWrite(), dataPerWrite, vs);
    }

    /** The checks and the finding, from what ran. */
    static ScenarioResult judge(Map<ImageKind, Result> results) {
        List<Check> checks = new ArrayList<>();
        for (ImageKind raw : List.of(ImageKind.RAW_SPARSE, ImageKind.RAW_PREALLOCATED)) {
            Result r = results.get(raw);
            ImageStats s = r.stats();
            checks.add(new Check(raw.name().toLowerCase(Locale.ROOT) + ": one host fsync per guest flush, no "
                    + "metadata writes", s.hostFsyncs() == s.guestFlushes() && s.hostMetadataWrites() == 0
                    && s.guestFlushes() == r.ops(), s.hostFsyncs() + " fsyncs for " + s.guestFlushes()
                    + " flushes, " + s.hostMetadataWrites() + " metadata writes"));
        }
        Result sparse = results.get(ImageKind.RAW_SPARSE);
        Result qcow2 = results.get(ImageKind.QCOW2_DEFAULT);
        Result advised = results.get(ImageKind.QCOW2_METADATA_2M);
        String rawPart = String.format(Locale.ROOT, "Raw images cost one host fsync per guest flush and no "
                + "metadata writes: %.0f flushes/s sparse, %.0f preallocated.", sparse.flushesPerSecond(),
                results.get(ImageKind.RAW_PREALLOCATED).flushesPerSecond());
        ImageStats q = qcow2.stats();
        ImageStats a = advised.stats();
        checks.add(new Check("qcow2 default: metadata writes (allocating clusters) beside the data",
                q.hostMetadataWrites() > 0, String.format(Locale.ROOT, "%.2f per guest write, %.2f fsyncs per flush",
                        q.metadataWritesPerWrite(), q.fsyncsPerFlush())));
        checks.add(new Check("metadata preallocation, 2M clusters: fewer metadata writes per guest write",
                a.metadataWritesPerWrite() < q.metadataWritesPerWrite(), String.format(Locale.ROOT,
                        "%.2f against %.2f", a.metadataWritesPerWrite(), q.metadataWritesPerWrite())));
        // Time per operation: how much of qcow2's extra time over raw sparse (or, when a sparse file's own hole
        // filling made raw sparse as slow, over raw preallocated) the advice takes back.
        double tRaw = 1 / sparse.flushesPerSecond();
        double tQcow2 = 1 / qcow2.flushesPerSecond();
        double tAdvised = 1 / advised.flushesPerSecond();
        double tPreallocated = 1 / results.get(ImageKind.RAW_PREALLOCATED).flushesPerSecond();
        String closed = tQcow2 > tRaw ? gapClosed(tQcow2, tAdvised, tRaw, "raw sparse")
                : "against raw sparse there was no gap to close (filling the sparse file's holes cost the host "
                        + "file system as much as qcow2's allocations)" + (tQcow2 > tPreallocated
                        ? "; against raw preallocated " + gapClosed(tQcow2, tAdvised, tPreallocated, "it") : "");
        return ScenarioResult.of(rawPart + String.format(Locale.ROOT, " qcow2 with its defaults runs at %.2fx raw "
                + "sparse, with %.2f host fsyncs per guest flush and %.2f metadata writes per guest write: the "
                + "cluster allocations' refcount and L2 updates, each ordered by a flush of its own. With "
                + "preallocation=metadata,cluster_size=2M it runs at %.2fx (%.2f fsyncs per flush, %.2f metadata "
                + "writes per write): %s.", qcow2.flushesPerSecond() / sparse.flushesPerSecond(), q.fsyncsPerFlush(),
                q.metadataWritesPerWrite(), advised.flushesPerSecond() / sparse.flushesPerSecond(),
                a.fsyncsPerFlush(), a.metadataWritesPerWrite(), closed), checks);
    }

    /** "it closes N% of the gap" to {@code reference}: the share of qcow2's extra time per operation taken back. */
    private static String gapClosed(double tQcow2, double tAdvised, double tReference, String reference) {
        if (tAdvised <= tReference) {
            return "it closes the whole gap to " + reference + " and more (faster per operation than " + reference
                    + ")";
        }
        return String.format(Locale.ROOT, "it closes %.0f%% of the gap to %s", 100 * (tQcow2 - tAdvised)
                / (tQcow2 - tReference), reference);
    }
}
