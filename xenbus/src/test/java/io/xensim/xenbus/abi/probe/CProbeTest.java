package io.xensim.xenbus.abi.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The translation of fact names into C, checked as text; {@link CProbeGoldenTest} compiles and runs it. */
class CProbeTest {
    @Test
    void plainExpressionsAreCompiledAsWritten() {
        assertThat(CProbe.statements("offsetof(struct netif_tx_request, gref)"))
                .isEqualTo("XENSIM_PRINT(N, offsetof(struct netif_tx_request, gref));\n");
        assertThat(CProbe.statements("XS_WRITE")).isEqualTo("XENSIM_PRINT(N, XS_WRITE);\n");
    }

    @Test
    void aMemberSizeBecomesSizeofThroughANullPointer() {
        assertThat(CProbe.statements("sizeof(struct netif_tx_sring.pvt.netif.smartpoll_active)"))
                .isEqualTo("XENSIM_PRINT(N, sizeof(((struct netif_tx_sring *) 0)->pvt.netif.smartpoll_active));\n");
        assertThat(CProbe.statements("sizeof(union grant_entry_v2.hdr)"))
                .isEqualTo("XENSIM_PRINT(N, sizeof(((union grant_entry_v2 *) 0)->hdr));\n");
    }

    @Test
    void aTrailingCommentIsDropped() {
        assertThat(CProbe.statements("sizeof(struct blkif_sring.ring[0]) /* entry size */"))
                .isEqualTo("XENSIM_PRINT(N, sizeof(((struct blkif_sring *) 0)->ring[0]));\n");
        assertThat(CProbe.statements("__CONST_RING_SIZE(blkif, 4096 << 2) /* ring-page-order 2 */"))
                .isEqualTo("XENSIM_PRINT(N, __CONST_RING_SIZE(blkif, 4096 << 2));\n");
    }

    @Test
    void aLabelledExpressionEvaluatesTheExpression() {
        assertThat(CProbe.statements("XEN_PAGE_SIZE (1 << XEN_PAGE_SHIFT)"))
                .isEqualTo("XENSIM_PRINT(N, 1 << XEN_PAGE_SHIFT);\n");
    }

    @Test
    void ringSizesComeFromAnInitialisedRingOfThatEnd() {
        assertThat(CProbe.statements("RING_SIZE(netif_rx back ring, 4096)"))
                .contains("struct netif_rx_back_ring ring;", "BACK_RING_INIT(&ring, sring, sizeof(area));",
                        "static unsigned char area[4096]", "RING_SIZE(&ring)");
        assertThat(CProbe.statements("SHARED_RING_INIT(blkif).rsp_event"))
                .contains("memset(page, 0xff", "SHARED_RING_INIT(sring);", "XENSIM_PRINT(N, sring->rsp_event);");
    }

    @Test
    void tableEntriesAreBoundsChecked() {
        assertThat(CProbe.statements("GNTTABOP_error_msgs[-(-3)]"))
                .contains("static const char *const table[] = GNTTABOP_error_msgs;", "long long i = (-(-3));",
                        "index out of range");
        assertThat(CProbe.statements("xsd_errors[3].errstring"))
                .contains("XENSIM_COUNT(xsd_errors)", "XENSIM_PRINT(N, xsd_errors[i].errstring);");
        assertThat(CProbe.statements("PVDRIVERS_PRODUCT[xenserver-windows-v7.0+]"))
                .contains("const char *product = \"xenserver-windows-v7.0+\";", "PVDRIVERS_PRODUCT_LIST(XENSIM_EACH)");
    }

    @Test
    void everyFactGetsItsOwnFunctionAndLineMarker() {
        String c = CProbe.source(List.of("XS_READ", "XS_WRITE"));

        assertThat(c).contains("#include <xen/io/ring.h>", "#line 1 \"fact-0\"", "#line 1 \"fact-1\"",
                "static const char N[] = \"XS_WRITE\";", "xensim_fact_0();", "xensim_fact_1();");
        assertThat(c.indexOf("#include <errno.h>")).isLessThan(c.indexOf("#include <xen/io/xs_wire.h>"));
    }

    @Test
    void namesBecomeCStringLiterals() {
        assertThat(CProbe.cString("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
        assertThat(CProbe.cString("??=")).isEqualTo("\"\\?\\?=\"");
        assertThat(CProbe.cString("é")).isEqualTo("\"\\303\\251\"");
    }
}
