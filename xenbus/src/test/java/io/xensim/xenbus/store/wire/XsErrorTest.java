package io.xensim.xenbus.store.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class XsErrorTest {
    @Test
    void tableInHeaderOrderWithLinuxErrnos() {
        assertThat(XsError.values()).extracting(XsError::errstring).containsExactly("EINVAL", "EACCES", "EEXIST",
                "EISDIR", "ENOENT", "ENOMEM", "ENOSPC", "EIO", "ENOTEMPTY", "ENOSYS", "EROFS", "EBUSY", "EAGAIN",
                "EISCONN", "E2BIG", "EPERM");
        assertThat(XsError.values()).extracting(XsError::errnum)
                .containsExactly(22, 13, 17, 21, 2, 12, 28, 5, 39, 38, 30, 16, 11, 106, 7, 1);
    }

    @Test
    void payloadIsTheNameAndOneNul() {
        assertThat(XsError.ENOENT.payload()).isEqualTo(new byte[] {'E', 'N', 'O', 'E', 'N', 'T', 0});
        assertThat(XsError.errstringOf(XsError.EAGAIN.payload())).isEqualTo("EAGAIN");
        assertThat(XsError.errstringOf(new byte[] {'E', 'X'})).isEqualTo("EX");
        assertThat(XsError.fromErrstring("EQUOTA")).isEmpty();
        assertThat(XsError.fromErrstring("E2BIG")).contains(XsError.E2BIG);
    }
}
