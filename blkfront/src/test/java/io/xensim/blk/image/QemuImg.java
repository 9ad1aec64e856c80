package io.xensim.blk.image;

import io.xensim.testkit.HostTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real {@code qemu-img} (qemu-utils) that judges our qcow2 images: create, check, compare, convert. */
final class QemuImg {
    static final Path QEMU_IMG = Path.of("/usr/bin/qemu-img");
    static final Path QEMU_IO = Path.of("/usr/bin/qemu-io");

    /** What a qemu tool printed (stdout and stderr together) and its exit code. */
    record Result(int exitCode, String output) {
    }

    private QemuImg() {
    }

    static void require() {
        HostTools.require("qemu-utils", QEMU_IMG, QEMU_IO);
    }

    static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        return new Result(p.exitValue(), out);
    }

    /** Runs {@code qemu-img args...} and fails unless it exits 0. */
    static String img(String... args) throws IOException, InterruptedException {
        String[] all = new String[args.length + 1];
        all[0] = QEMU_IMG.toString();
        System.arraycopy(args, 0, all, 1, args.length);
        Result r = run(all);
        if (r.exitCode() != 0) {
            throw new AssertionError("qemu-img " + String.join(" ", args) + " exited " + r.exitCode() + ":\n" + r.output());
        }
        return r.output();
    }

    /** {@code qemu-img check}: exit 0 clean, 2 corruptions or errors, 3 leaked clusters only. */
    static Result check(Path image, String... flags) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(QEMU_IMG.toString(), "check", "-f", "qcow2"));
        command.addAll(List.of(flags));
        command.add(image.toString());
        return run(command.toArray(String[]::new));
    }

    static Result compareWithRaw(Path qcow2, Path raw) throws IOException, InterruptedException {
        return run(QEMU_IMG.toString(), "compare", "-f", "qcow2", "-F", "raw", qcow2.toString(), raw.toString());
    }
}
