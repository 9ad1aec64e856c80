package io.xensim.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class HostToolsTest {
    private static final HostTools LOCAL = new HostTools(false);
    private static final HostTools CI = new HostTools(true);

    @TempDir
    Path dir;

    @Test
    void aPresentProgramPassesEitherWay() throws IOException {
        Path program = executable("tool");

        LOCAL.requirePrograms("some-package", program);
        CI.requirePrograms("some-package", program);
        CI.requireThat("some-package", Optional.empty());
    }

    @Test
    void outsideCiAMissingPackageSkipsNamingThePackageAndThePath() {
        Path missing = dir.resolve("no-such-tool");

        assertThatThrownBy(() -> LOCAL.requirePrograms("xenstore-utils", missing))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("xenstore-utils").hasMessageContaining(missing.toString());
    }

    @Test
    void underCiAMissingPackageFails() {
        assertThatThrownBy(() -> CI.requireThat("python3-pyxs", Optional.of("'import pyxs' failed")))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("CI=true").hasMessageContaining("python3-pyxs")
                .hasMessageContaining("'import pyxs' failed");
    }

    @Test
    void aFileThatCannotBeExecutedIsMissing() throws IOException {
        Path notExecutable = Files.writeString(dir.resolve("plain"), "");
        Path ok = executable("fine");

        assertThatThrownBy(() -> LOCAL.requirePrograms("gcc", notExecutable, ok))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining(notExecutable.toString()).hasMessageNotContaining(ok.toString());
    }

    @Test
    void theEnvironmentDecidesThePolicy() {
        assertThat(HostTools.fromEnvironment().ci()).isEqualTo("true".equalsIgnoreCase(System.getenv("CI")));
    }

    private Path executable(String name) throws IOException {
        Path file = Files.writeString(dir.resolve(name), "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }
}
