package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testkit.HostTools;
import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFacts;
import io.xensim.xenbus.abi.GoldenAbi;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AbiCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int xensim(String... args) {
        CommandLine cli = Xensim.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void abiPrintsEveryRegisteredFactAsNameTabValue() {
        int status = xensim("abi");

        List<AbiFact> printed = out.toString().lines().map(line -> {
            String[] fields = line.split("\t", -1);
            assertThat(fields).as(line).hasSize(2);
            return new AbiFact(fields[0], fields[1]);
        }).toList();
        assertThat(status).isZero();
        assertThat(printed).isNotEmpty().containsExactlyElementsOf(AbiFacts.all());
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void checkAgreesWithTheInstalledHeaders() {
        HostTools.requireGccAndXenHeaders();

        int status = xensim("abi", "--check");

        assertThat(status).as(out + "\n" + err).isEqualTo(AbiCommand.AGREE);
        assertThat(out.toString()).contains(AbiFacts.all().size() + " facts checked against /usr/include: "
                + AbiFacts.all().size() + " agree, 0 differ, 0 not evaluable");
    }

    @Test
    void checkListsEachDisagreementAndExitsOne() {
        HostTools.requireGccAndXenHeaders();
        CommandLine cli = new CommandLine(new AbiCommand(() -> List.of(
                AbiFact.of("XEN_PAGE_SHIFT", 12),
                AbiFact.of("sizeof(struct blkif_request)", 108),
                AbiFact.of("BLKIF_OP_NOSUCH", 9))));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        int status = cli.execute("--check");

        assertThat(status).isEqualTo(AbiCommand.DISAGREE);
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("DIFFERS\tsizeof(struct blkif_request)\tjava=108\theaders=112");
        assertThat(lines.get(1)).startsWith("NOT IN HEADERS\tBLKIF_OP_NOSUCH\t'BLKIF_OP_NOSUCH' undeclared");
        assertThat(lines.get(2)).isEqualTo("3 facts checked against /usr/include: 1 agree, 1 differ, 1 not evaluable");
    }

    @Test
    void checkAgainstADirectoryWithoutHeadersExitsTwoNamingTheMissingHeader(@TempDir Path empty) {
        int status = xensim("abi", "--check", "--include-dir", empty.toString());

        assertThat(status).isEqualTo(AbiCommand.UNAVAILABLE);
        assertThat(err.toString()).contains("xensim abi --check: cannot check against the Xen headers")
                .contains(empty.resolve("xen/io/ring.h").toString())
                .doesNotContain("Exception");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void goldenPrintsTheCheckedInTableRegeneratedFromTheInstalledHeaders() {
        HostTools.requireGccAndXenHeaders();

        int status = xensim("abi", "--golden");

        assertThat(status).as(err.toString()).isEqualTo(AbiCommand.AGREE);
        assertThat(out.toString()).isEqualTo(GoldenAbi.text());
    }

    @Test
    void goldenWithoutHeadersExitsTwoAndPrintsNoTable(@TempDir Path empty) {
        int status = xensim("abi", "--golden", "--include-dir", empty.toString());

        assertThat(status).isEqualTo(AbiCommand.UNAVAILABLE);
        assertThat(err.toString()).contains("xensim abi --golden: cannot read the Xen headers")
                .contains(empty.resolve("xen/io/ring.h").toString());
        assertThat(out.toString()).isEmpty();
    }
}
