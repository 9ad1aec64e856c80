package io.xensim.testbed.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.bus.BusFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class XenstoreLsTest {
    @Test
    void childrenAreIndentedPaddedToColumnSixtyAndTooLongValuesAreCut() {
        try (var fx = new BusFixture()) {
            var xs = fx.toolstack.xs().client();
            String longValue = "v".repeat(100);
            fx.toolstack.await(xs.write("/demo/a", "x"));
            fx.toolstack.await(xs.write("/demo/a/b", "yz"));
            fx.toolstack.await(xs.write("/demo/long", longValue));

            assertThat(XenstoreLs.ls(fx.toolstack, "/demo")).containsExactly(
                    // do_ls: a space, then ' ' at even and '.' at odd columns up to column 60, two spaces, perms.
                    "a = \"x\" " + " .".repeat(26) + "  (n0)",
                    " b = \"yz\" " + " .".repeat(25) + "  (n0)",
                    // do_ls: 80 - strlen(" = \"...\"") - strlen("long") characters of the value, then \...
                    "long = \"" + "v".repeat(68) + "\\...\"  (n0)");
        }
    }
}
