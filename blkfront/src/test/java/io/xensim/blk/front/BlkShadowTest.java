package io.xensim.blk.front;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BlkShadowTest {
    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @CsvSource({
        "DONE, DONE, 0", "DONE, EOPNOTSUPP, -2", "EOPNOTSUPP, DONE, -2", "DONE, ERROR, -1", "ERROR, DONE, -1",
        "ERROR, EOPNOTSUPP, -1", "EOPNOTSUPP, ERROR, -1", "EOPNOTSUPP, EOPNOTSUPP, -2", "ERROR, ERROR, -1"})
    void errorBeatsEopnotsuppBeatsOkay(BlkShadow.ReqStatus s1, BlkShadow.ReqStatus s2, int expected) {
        assertThat(BlkShadow.finalStatus(s1, s2)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"0, DONE", "-1, ERROR", "-2, EOPNOTSUPP", "7, ERROR", "-100, ERROR"})
    void responseStatusToRequestStatus(int rsp, BlkShadow.ReqStatus expected) {
        assertThat(BlkShadow.ReqStatus.of(rsp)).isEqualTo(expected);
        assertThat(BlkShadow.ReqStatus.of(rsp).answered()).isTrue();
    }
}
