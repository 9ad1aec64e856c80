package io.xensim.testbed.boot;

import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.image.BlockImage;
import io.xensim.blk.image.Qcow2Image;
import io.xensim.blk.image.Qcow2Options;
import io.xensim.blk.image.RawImage;
import io.xensim.hvm.boot.SharedImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * dom0's {@code block} hotplug (and QEMU's qdisk) as {@code xensim boot} runs it: a disk target is a raw image
 * path, or for a {@code qdisk} disk {@code <format>:<path>} ({@link ImageOpener#byFormat()}: {@code aio:} raw,
 * {@code qcow2:}), the path resolved against the directory of the config being booted when relative (so
 * {@code examples/} works from any directory), and a missing raw image is created sparse ({@link #DEFAULT_SECTORS}
 * sectors, 64 MiB) and said so in {@link #drainLog()}, a missing qcow2 image as {@code qemu-img create -f qcow2} makes
 * one of that size; a missing image of another format is not created.
 * Each image is opened once and shared by blkback and the device model ({@link SharedImages}), keyed by its
 * resolved path.
 *
 * <p><b>Threading:</b> the thread that drives the host; {@link #booting} is called before each guest's boot,
 * because blkback and the device model open the guest's disks during that boot.
 */
public final class ConfigImages implements ImageOpener {
    /** 64 MiB of 512-byte sectors. */
    public static final long DEFAULT_SECTORS = 64L * 1024 * 1024 / 512;

    private final SharedImages shared = new SharedImages(this::openFile);
    private final List<String> log = new ArrayList<>();
    private Path base = Path.of("");

    /** Relative disk targets from here on resolve against {@code configFile}'s directory. */
    public void booting(Path configFile) {
        Path dir = configFile.toAbsolutePath().getParent();
        base = dir == null ? Path.of("") : dir;
    }

    /** Where {@code target} resolves to for the config being booted. */
    public Path resolve(String target) {
        return base.resolve(target).toAbsolutePath().normalize();
    }

    /** {@code params} with its path resolved, its {@code <format>:} prefix (if any) kept. */
    private String resolveParams(String params) {
        String path = ImageOpener.Target.parse(params).path();
        return params.substring(0, params.length() - path.length()) + resolve(path);
    }

    @Override
    public BlockImage open(String params, boolean writable) throws IOException {
        return shared.open(resolveParams(params), writable);
    }

    private BlockImage openFile(String params, boolean writable) throws IOException {
        ImageOpener.Target target = ImageOpener.Target.parse(params);
        Path file = Path.of(target.path());
        if (target.format().equals(ImageOpener.Target.QCOW2) && Files.notExists(file) && writable) {
            // As `qemu-img create -f qcow2 FILE 64M` would: version 3, 64 KiB clusters, no preallocation.
            Files.createDirectories(Objects.requireNonNull(file.getParent()));
            Qcow2Image created = Qcow2Image.create(file, DEFAULT_SECTORS * BlockImage.SECTOR_SIZE,
                    Qcow2Options.DEFAULTS);
            log.add("xensim: " + file + " did not exist: created it as a qcow2 image of "
                    + DEFAULT_SECTORS * 512 / (1024 * 1024) + " MiB (version 3, 64 KiB clusters)");
            return created;
        }
        if (!target.format().equals(ImageOpener.Target.RAW)) {
            return ImageOpener.byFormat().open(params, writable);
        }
        if (Files.notExists(file) && writable) {
            Files.createDirectories(Objects.requireNonNull(file.getParent()));
            RawImage created = RawImage.create(file, DEFAULT_SECTORS, RawImage.Allocation.SPARSE);
            log.add("xensim: " + file + " did not exist: created it as a sparse raw image of "
                    + DEFAULT_SECTORS * 512 / (1024 * 1024) + " MiB");
            return created;
        }
        return RawImage.open(file, writable ? RawImage.OpenMode.READ_WRITE : RawImage.OpenMode.READ_ONLY);
    }

    /** The lines said since the last call (images created). */
    public List<String> drainLog() {
        List<String> lines = List.copyOf(log);
        log.clear();
        return lines;
    }
}
