package io.xensim.testbed.scenario;

import io.xensim.blk.image.ImageLockedException;
import io.xensim.blk.image.RawImage;
import io.xensim.hvm.boot.BootedGuest;
import io.xensim.hvm.boot.BootRequest;
import io.xensim.hvm.boot.HvmGuest;
import io.xensim.hvm.boot.HvmHost;
import io.xensim.hvm.boot.QemuDeviceModel;
import io.xensim.hvm.cmdline.GuestProfile;
import io.xensim.testbed.scenario.ScenarioResult.Check;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A second writer on a running guest's disk (say {@code guestfish -a} on the live image): the guest's blkback
 * holds the raw image's write lock, so a second read-write open is refused with QEMU's message naming the holder;
 * once the guest is shut down the image opens read-write again.
 */
final class LiveDiskSecondWriter implements Scenario {
    @Override
    public String name() {
        return "live-disk-second-writer";
    }

    @Override
    public String summary() {
        return "a second read-write open of a running guest's raw image is refused, naming the holder";
    }

    @Override
    public ScenarioResult run(PrintWriter out) {
        try {
            Path dir = Files.createTempDirectory("xensim-live-disk");
            try {
                return run(out, dir.resolve("rhel6.img"));
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ScenarioResult run(PrintWriter out, Path image) throws IOException {
        RawImage.create(image, 8192, RawImage.Allocation.SPARSE).close();
        out.println("created " + image + " (4 MiB, sparse)");
        List<Check> checks = new ArrayList<>();
        try (HvmHost host = HvmHost.start(HvmHost.rawFiles())) {
            String cfg = SeedGuest.config("rhel6", "mac=" + SeedGuest.MAC, "file:" + image + ",xvda,w");
            out.println("$ xl create rhel6.cfg   # disk file:" + image + ",xvda,w");
            BootedGuest guest = HvmGuest.boot(host, BootRequest.of("rhel6.cfg", cfg, QemuDeviceModel.FACTORY)
                    .withProfile(GuestProfile.LINUX).withCmdline("ro")).orElseThrow();
            guest.blockTable().forEach(l -> out.println("  | " + l));
            checks.add(secondOpen(out, image, RawImage.OpenMode.READ_WRITE, false));
            checks.add(secondOpen(out, image, RawImage.OpenMode.READ_ONLY, true));
            out.println("$ xl shutdown rhel6");
            guest.shutdown();
        }
        checks.add(secondOpen(out, image, RawImage.OpenMode.READ_WRITE, true));
        return ScenarioResult.of("While the guest runs, its disk's raw image is write-locked by the backend: a "
                + "second read-write open is refused with QEMU's 'Failed to get \"write\" lock' naming the holder, so "
                + "two writers cannot corrupt the guest's filesystem; a read-only open is still allowed (what it "
                + "sees may be stale), and after shutdown the image opens read-write again.", checks);
    }

    /** Opens the image in {@code mode}; the check passes when the open succeeded exactly when {@code allowed}. */
    private static Check secondOpen(PrintWriter out, Path image, RawImage.OpenMode mode, boolean allowed) {
        String what = mode == RawImage.OpenMode.READ_WRITE ? "read-write" : "read-only";
        out.println("$ open " + image + " " + what);
        String observed;
        boolean opened;
        try (RawImage second = RawImage.open(image, mode)) {
            opened = true;
            observed = "opened (" + second.sectors() + " sectors" + (second.writable() ? ", writable)" : ")");
        } catch (ImageLockedException e) {
            opened = false;
            observed = e.getMessage();
        } catch (IOException e) {
            opened = false;
            observed = "failed: " + e.getMessage();
        }
        out.println("  " + observed);
        boolean lockRefusal = observed.contains("Failed to get \"write\" lock") && observed.contains("held by");
        return new Check("a " + what + " open " + (allowed ? "succeeds" : "is refused, naming the holder"),
                allowed ? opened : !opened && lockRefusal, observed);
    }
}
