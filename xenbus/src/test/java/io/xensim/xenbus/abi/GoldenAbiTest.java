package io.xensim.xenbus.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class GoldenAbiTest {
    @Test
    void loadsTheTableFromTheClassPath() {
        assertThat(GoldenAbi.table()).hasSizeGreaterThan(800);
        assertThat(GoldenAbi.value("XEN_PAGE_SIZE (1 << XEN_PAGE_SHIFT)")).contains("4096");
        assertThat(GoldenAbi.value("sizeof(struct blkif_request)")).contains("112");
        assertThat(GoldenAbi.value("no such fact")).isEmpty();
    }

    @Test
    void theClassPathCopyIsTheSharedReference() throws IOException {
        Optional<Path> reference = GoldenAbi.referenceCopy();
        assumeTrue(reference.isPresent(), "shared/reference/abi-golden.tsv is not on this machine");
        try (Stream<String> lines = Files.lines(reference.get())) {
            assertThat(GoldenAbi.table()).isEqualTo(GoldenAbi.parse(lines));
        }
    }

    @Test
    void refusesABrokenTable() {
        assertThatThrownBy(() -> GoldenAbi.parse(Stream.of("a\t1", "a\t2")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> GoldenAbi.parse(Stream.of("no tab")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("without a tab");
    }
}
