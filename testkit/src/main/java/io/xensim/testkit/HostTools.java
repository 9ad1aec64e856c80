package io.xensim.testkit;

import io.xensim.xenbus.abi.probe.AbiProbe;
import io.xensim.xenbus.abi.probe.ProbeUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one place a test says that it needs something from the host: a Debian package that {@code .ci/run}
 * installs (gcc and libxen-dev for the ABI probe, xenstore-utils and python3-pyxs for the real xenstore clients,
 * tshark, qemu-utils for QEMU's image locking). Call it first; if the package is missing the test skips, naming
 * the package and what is missing, and {@code ./run-tests} lists it. Under {@code CI=true} a missing package fails
 * the test instead: CI installs every one of them, so a skip there would only hide a broken install.
 *
 * <p>Not a Xen concept: these are the real Xen tools and headers the simulator is checked against.
 *
 * <p><b>Threading:</b> stateless apart from the CI flag, read once from the environment; safe from any thread.
 *
 * <p><b>Reference:</b> the package list is {@code .ci/run}'s {@code packages} variable; {@code CI=true} is what
 * GitHub Actions, GitLab CI and {@code .ci/run} set.
 */
public final class HostTools {
    /** The environment variable that marks a CI run when it is {@code true}. */
    public static final String CI_VARIABLE = "CI";

    private static final HostTools ENVIRONMENT = new HostTools("true".equalsIgnoreCase(System.getenv(CI_VARIABLE)));

    private final boolean ci;

    /** A policy that fails ({@code ci}) or skips (otherwise) when a package is missing; tests of this class. */
    HostTools(boolean ci) {
        this.ci = ci;
    }

    /** The policy of this run: fail when {@code CI=true}, skip otherwise. */
    public static HostTools fromEnvironment() {
        return ENVIRONMENT;
    }

    /** Whether this run is a CI run ({@code CI=true}), in which a missing package fails the test. */
    public boolean ci() {
        return ci;
    }

    /** Requires each of {@code programs} (installed by {@code debianPackage}) to be an executable file. */
    public static void require(String debianPackage, Path... programs) {
        ENVIRONMENT.requirePrograms(debianPackage, programs);
    }

    /**
     * Requires {@code debianPackage}, whose absence the caller has already checked: {@code problem} says what is
     * missing, or is empty if the package is there.
     */
    public static void require(String debianPackage, Optional<String> problem) {
        ENVIRONMENT.requireThat(debianPackage, problem);
    }

    /** Requires gcc and the Xen headers of libxen-dev under {@code /usr/include}, for the ABI probe. */
    public static void requireGccAndXenHeaders() {
        Optional<String> problem;
        try {
            new AbiProbe().requireAvailable();
            problem = Optional.empty();
        } catch (ProbeUnavailableException e) {
            problem = Optional.of(e.getMessage());
        }
        require("gcc libxen-dev", problem);
    }

    /** {@link #require(String, Path...)} under this policy. */
    public void requirePrograms(String debianPackage, Path... programs) {
        List<String> missing = new ArrayList<>();
        for (Path program : programs) {
            if (!Files.isRegularFile(program) || !Files.isExecutable(program)) {
                missing.add(program.toString());
            }
        }
        requireThat(debianPackage, missing.isEmpty() ? Optional.empty()
                : Optional.of("no executable " + String.join(", ", missing)));
    }

    /** {@link #require(String, Optional)} under this policy. */
    public void requireThat(String debianPackage, Optional<String> problem) {
        if (problem.isEmpty()) {
            return;
        }
        String what = "needs the Debian package " + debianPackage + " (.ci/run installs it): " + problem.get();
        if (ci) {
            Assertions.fail(CI_VARIABLE + "=true, so a missing package fails the test instead of skipping it; " + what);
        }
        Assumptions.abort(what);
    }
}
