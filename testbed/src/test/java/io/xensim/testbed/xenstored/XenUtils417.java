package io.xensim.testbed.xenstored;

import io.xensim.testkit.HostTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the tests find Debian's {@code xen-utils-4.17} binaries (the real C {@code xenstored} 4.17 and Xen's
 * {@code test-xenstore}): unpacked, not installed, into {@code .cache/xen-utils-4.17} of the clone by
 * {@code .ci/run} and {@code ./run-tests} ({@code apt-get download xen-utils-4.17; dpkg -x}). Surefire passes that
 * directory as the system property {@value #DIR_PROPERTY}; run from an IDE, the module's parent directory is tried.
 *
 * <p>Missing, a test skips naming the package and the command; under {@code CI=true} (the environment of
 * {@code .ci/run}) it fails instead ({@link HostTools}), so CI can never pass by skipping the comparison with the
 * real daemon.
 */
public final class XenUtils417 {
    static final String DIR_PROPERTY = "xensim.xenUtilsDir";
    static final String PACKAGE = "xen-utils-4.17";
    static final Path BIN = Path.of("usr/lib/xen-4.17/bin");
    static final String FETCH_COMMAND = "scripts/fetch-xen-utils.sh (apt-get download " + PACKAGE
            + " && dpkg -x " + PACKAGE + "_*.deb .cache/" + PACKAGE + ")";

    private XenUtils417() {
    }

    /** The unpacked package's root, if it is there. */
    static Optional<Path> root() {
        String configured = System.getProperty(DIR_PROPERTY);
        Path candidate = configured != null && !configured.isBlank()
                ? Path.of(configured)
                : Path.of("").toAbsolutePath().resolveSibling(".cache").resolve(PACKAGE);
        return Files.isDirectory(candidate.resolve(BIN)) ? Optional.of(candidate) : Optional.empty();
    }

    /** The C xenstored binary, or skips (fails under CI) saying how to get it. */
    public static Path xenstored() {
        return binary("xenstored");
    }

    /** Xen's test-xenstore binary, or skips (fails under CI) saying how to get it. */
    public static Path testXenstore() {
        return binary("test-xenstore");
    }

    private static Path binary(String name) {
        Path bin = root().map(r -> r.resolve(BIN).resolve(name)).orElse(null);
        HostTools.require(PACKAGE, bin != null && Files.isExecutable(bin) ? Optional.empty()
                : Optional.of(name + " not found under " + System.getProperty(DIR_PROPERTY, "../.cache/" + PACKAGE)
                        + "; from the clone's root run: " + FETCH_COMMAND));
        return bin;
    }

    /** gcc and libxen-dev's headers, to build the LD_PRELOAD shim. */
    static void requireGccAndXenHeaders() {
        HostTools.requireGccAndXenHeaders();
        boolean headers = Files.isRegularFile(Path.of("/usr/include/xenctrl.h"))
                && Files.isRegularFile(Path.of("/usr/include/xenevtchn.h"))
                && Files.isRegularFile(Path.of("/usr/include/xengnttab.h"));
        HostTools.require("libxen-dev", headers ? Optional.empty()
                : Optional.of("/usr/include/xenctrl.h, xenevtchn.h or xengnttab.h missing"));
    }
}
