package io.xensim.xenbus.store.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFacts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class XsWireAbiFactsTest {
    /** The xs_wire rows of shared/reference/abi-golden.tsv, copied so the check runs without the shared tree. */
    private static final String GOLDEN = """
            sizeof(struct xsd_sockmsg)	16
            offsetof(struct xsd_sockmsg, type)	0
            sizeof(struct xsd_sockmsg.type)	4
            offsetof(struct xsd_sockmsg, req_id)	4
            sizeof(struct xsd_sockmsg.req_id)	4
            offsetof(struct xsd_sockmsg, tx_id)	8
            sizeof(struct xsd_sockmsg.tx_id)	4
            offsetof(struct xsd_sockmsg, len)	12
            sizeof(struct xsd_sockmsg.len)	4
            XS_CONTROL	0
            XS_DEBUG	0
            XS_DIRECTORY	1
            XS_READ	2
            XS_GET_PERMS	3
            XS_WATCH	4
            XS_UNWATCH	5
            XS_TRANSACTION_START	6
            XS_TRANSACTION_END	7
            XS_INTRODUCE	8
            XS_RELEASE	9
            XS_GET_DOMAIN_PATH	10
            XS_WRITE	11
            XS_MKDIR	12
            XS_RM	13
            XS_SET_PERMS	14
            XS_WATCH_EVENT	15
            XS_ERROR	16
            XS_IS_DOMAIN_INTRODUCED	17
            XS_RESUME	18
            XS_SET_TARGET	19
            XS_RESET_WATCHES	21
            XS_DIRECTORY_PART	22
            XS_TYPE_COUNT	23
            XS_INVALID	65535
            XS_WATCH_PATH	0
            XS_WATCH_TOKEN	1
            XS_WRITE_NONE	NONE
            XS_WRITE_CREATE	CREATE
            XS_WRITE_CREATE_EXCL	CREATE|EXCL
            XENSTORE_PAYLOAD_MAX	4096
            XENSTORE_ABS_PATH_MAX	3072
            XENSTORE_REL_PATH_MAX	2048
            xsd_errors.count	16
            xsd_errors[0].errstring	EINVAL
            xsd_errors[0].errnum	22
            xsd_errors[1].errstring	EACCES
            xsd_errors[1].errnum	13
            xsd_errors[2].errstring	EEXIST
            xsd_errors[2].errnum	17
            xsd_errors[3].errstring	EISDIR
            xsd_errors[3].errnum	21
            xsd_errors[4].errstring	ENOENT
            xsd_errors[4].errnum	2
            xsd_errors[5].errstring	ENOMEM
            xsd_errors[5].errnum	12
            xsd_errors[6].errstring	ENOSPC
            xsd_errors[6].errnum	28
            xsd_errors[7].errstring	EIO
            xsd_errors[7].errnum	5
            xsd_errors[8].errstring	ENOTEMPTY
            xsd_errors[8].errnum	39
            xsd_errors[9].errstring	ENOSYS
            xsd_errors[9].errnum	38
            xsd_errors[10].errstring	EROFS
            xsd_errors[10].errnum	30
            xsd_errors[11].errstring	EBUSY
            xsd_errors[11].errnum	16
            xsd_errors[12].errstring	EAGAIN
            xsd_errors[12].errnum	11
            xsd_errors[13].errstring	EISCONN
            xsd_errors[13].errnum	106
            xsd_errors[14].errstring	E2BIG
            xsd_errors[14].errnum	7
            xsd_errors[15].errstring	EPERM
            xsd_errors[15].errnum	1
            """;

    private static Map<String, String> parse(String tsv) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : tsv.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0 && !line.startsWith("#")) {
                out.put(line.substring(0, tab), line.substring(tab + 1));
            }
        }
        return out;
    }

    private static Map<String, String> ours() {
        Map<String, String> out = new LinkedHashMap<>();
        for (AbiFact f : new XsWireAbiFacts().facts()) {
            out.put(f.name(), f.value());
        }
        return out;
    }

    @Test
    void factsEqualTheGoldenRows() {
        assertThat(ours()).containsExactlyInAnyOrderEntriesOf(parse(GOLDEN));
    }

    @Test
    void registeredWithTheServiceLoader() {
        assertThat(AbiFacts.all()).extracting(AbiFact::name).contains("XS_DIRECTORY_PART", "xsd_errors[15].errstring");
    }

    @Test
    void everyFactAgreesWithTheSharedTableWhenPresent() throws IOException {
        Path shared = Path.of(System.getProperty("xensim.abi.golden", "/work/shared/reference/abi-golden.tsv"));
        Assumptions.assumeTrue(Files.isReadable(shared), "shared golden table not present: " + shared);
        Map<String, String> golden = parse(Files.readString(shared));
        ours().forEach((name, value) -> assertThat(golden).as(name).containsEntry(name, value));
    }
}
