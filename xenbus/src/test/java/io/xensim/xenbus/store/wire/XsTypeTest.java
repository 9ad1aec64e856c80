package io.xensim.xenbus.store.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class XsTypeTest {
    @Test
    void numbersAreThoseOfXsWireH() {
        assertThat(XsType.XS_CONTROL.code()).isZero();
        assertThat(XsType.XS_DEBUG).isSameAs(XsType.XS_CONTROL);
        assertThat(XsType.XS_SET_TARGET.code()).isEqualTo(19);
        assertThat(XsType.XS_RESET_WATCHES.code()).isEqualTo(XsType.XS_SET_TARGET.code() + 2);
        assertThat(XsType.XS_DIRECTORY_PART.code()).isEqualTo(22);
        assertThat(XsType.XS_TYPE_COUNT.code()).isEqualTo(23);
        assertThat(XsType.XS_INVALID.code()).isEqualTo(0xffff);
        // Consecutive from 0 to 19, as the C enum counts them.
        for (int i = 0; i <= 19; i++) {
            assertThat(XsType.values()[i].code()).isEqualTo(i);
        }
    }

    @Test
    void unknownNumbersAreRepresentable() {
        assertThat(XsType.fromCode(20)).isEmpty();
        assertThat(XsType.fromCode(24)).isEmpty();
        assertThat(XsType.fromCode(-1)).isEmpty();
        assertThat(XsType.fromCode(0xffff)).isEqualTo(Optional.of(XsType.XS_INVALID));
        assertThat(XsType.nameOf(20)).isEqualTo("type 20");
        assertThat(XsType.nameOf(-1)).isEqualTo("type 4294967295");
        assertThat(new XsMessage(20, 1, 0, new byte[0]).xsType()).isEmpty();
        for (XsType t : XsType.values()) {
            assertThat(XsType.fromCode(t.code())).contains(t);
        }
        assertThat(XsType.XS_TYPE_COUNT.isMessageType()).isFalse();
        assertThat(XsType.XS_INVALID.isMessageType()).isFalse();
        assertThat(XsType.XS_READ.isMessageType()).isTrue();
    }
}
