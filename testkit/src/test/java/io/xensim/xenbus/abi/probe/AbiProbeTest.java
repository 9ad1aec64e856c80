package io.xensim.xenbus.abi.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.xensim.testkit.HostTools;
import io.xensim.xenbus.abi.AbiFact;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AbiProbeTest {
    @TempDir
    Path temp;

    @Test
    void namesTheHeadersDoNotDefineAreSetAsideAndTheRestEvaluated() throws ProbeUnavailableException {
        HostTools.requireGccAndXenHeaders();

        ProbeResult result = new AbiProbe().probe(List.of(
                "XS_READ",
                "XS_RESTRICT",                    // removed from xs_wire.h: undeclared
                "foo(",                           // unbalanced: gcc's errors run on into the facts after it
                "BLKIF_OP_WRITE",
                "xsd_errors",                     // an array, not a value: pointer-to-integer is an error
                "xsd_errors[16].errnum",          // one past the table
                "GNTTABOP_error_msgs[-(-14)]",    // one past the table
                "PVDRIVERS_PRODUCT[nosuch]",
                "sizeof(struct netif_tx_request)"));

        assertThat(result.values()).containsExactly(
                entry("XS_READ", "2"), entry("BLKIF_OP_WRITE", "1"), entry("sizeof(struct netif_tx_request)", "12"));
        assertThat(result.unevaluated()).containsOnlyKeys("XS_RESTRICT", "foo(", "xsd_errors",
                "xsd_errors[16].errnum", "GNTTABOP_error_msgs[-(-14)]", "PVDRIVERS_PRODUCT[nosuch]");
        assertThat(result.unevaluated().get("XS_RESTRICT")).contains("'XS_RESTRICT' undeclared");
        assertThat(result.unevaluated().get("xsd_errors")).contains("int-conversion");
        assertThat(result.unevaluated().get("xsd_errors[16].errnum")).isEqualTo("index out of range");
        assertThat(result.unevaluated().get("GNTTABOP_error_msgs[-(-14)]")).isEqualTo("index out of range");
        assertThat(result.unevaluated().get("PVDRIVERS_PRODUCT[nosuch]")).contains("no such product");
    }

    @Test
    void checkReportsEachDisagreementWithBothValues() throws ProbeUnavailableException {
        HostTools.requireGccAndXenHeaders();

        AbiCheck check = new AbiProbe().check(List.of(
                AbiFact.of("XEN_PAGE_SHIFT", 12),
                AbiFact.of("sizeof(struct blkif_request)", 108),
                AbiFact.of("XEN_IO_PROTO_ABI_NATIVE", "x86_64-abi"),
                AbiFact.of("NETIF_RSP_DROPPED", -2),
                AbiFact.of("BLKIF_OP_NOSUCH", 9)));

        assertThat(check.agreed()).isEqualTo(3);
        assertThat(check.mismatches())
                .containsExactly(new AbiCheck.Mismatch("sizeof(struct blkif_request)", "108", "112"));
        assertThat(check.unevaluated()).containsOnlyKeys("BLKIF_OP_NOSUCH");
        assertThat(check.allAgree()).isFalse();
    }

    @Test
    void anEmptyIncludeDirectoryNamesTheMissingHeaders() {
        AbiProbe probe = new AbiProbe(temp);

        assertThat(probe.missingHeaders()).contains(temp.resolve("xen/io/ring.h"));
        assertThatThrownBy(() -> probe.probe(List.of("XS_READ")))
                .isInstanceOf(ProbeUnavailableException.class)
                .hasMessageContaining("Xen headers not found under " + temp.toAbsolutePath())
                .hasMessageContaining(temp.resolve("xen/io/ring.h").toString());
    }

    @Test
    void anIncompleteIncludeDirectoryListsWhatIsMissing() throws IOException {
        for (String header : CProbe.HEADERS) {
            if (!header.equals("xen/hvm/pvdrivers.h")) {
                Path copy = temp.resolve(header);
                Files.createDirectories(copy.getParent());
                Files.writeString(copy, "\n");
            }
        }

        assertThat(new AbiProbe(temp).missingHeaders()).containsExactly(temp.resolve("xen/hvm/pvdrivers.h"));
        assertThatThrownBy(() -> new AbiProbe(temp).requireAvailable())
                .isInstanceOf(ProbeUnavailableException.class)
                .hasMessageContaining("Xen headers incomplete under " + temp.toAbsolutePath() + ": missing "
                        + temp.resolve("xen/hvm/pvdrivers.h"));
    }

    @Test
    void aMissingCompilerSaysSo() {
        AbiProbe probe = new AbiProbe(AbiProbe.DEFAULT_INCLUDE_DIR, temp.resolve("no-such-gcc").toString());

        assertThatThrownBy(probe::requireAvailable)
                .isInstanceOf(ProbeUnavailableException.class)
                .hasMessageContaining("was not found or cannot be run")
                .hasMessageContaining("install gcc");
    }

    @Test
    void aHeaderThatDoesNotCompileEndsTheProbeWithGccsMessage() throws IOException {
        HostTools.requireGccAndXenHeaders();
        for (String header : CProbe.HEADERS) {
            Path copy = temp.resolve(header);
            Files.createDirectories(copy.getParent());
            Files.writeString(copy, header.equals("xen/io/ring.h") ? "#error this ring.h is broken\n" : "\n");
        }

        assertThatThrownBy(() -> new AbiProbe(temp).probe(List.of("XS_READ")))
                .isInstanceOf(ProbeUnavailableException.class)
                .hasMessageContaining("gcc could not compile the probe against the headers in " + temp.toAbsolutePath())
                .hasMessageContaining("this ring.h is broken");
    }
}
