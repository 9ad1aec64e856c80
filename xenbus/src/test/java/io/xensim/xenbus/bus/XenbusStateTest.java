package io.xensim.xenbus.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class XenbusStateTest {
    @Test
    void codesAreTheAbiValuesOfXenbusH() {
        assertThat(Arrays.stream(XenbusState.values()).map(s -> s.cName() + "=" + s.code())).containsExactly(
                "XenbusStateUnknown=0", "XenbusStateInitialising=1", "XenbusStateInitWait=2",
                "XenbusStateInitialised=3", "XenbusStateConnected=4", "XenbusStateClosing=5", "XenbusStateClosed=6",
                "XenbusStateReconfiguring=7", "XenbusStateReconfigured=8");
        for (XenbusState s : XenbusState.values()) {
            assertThat(XenbusState.fromCode(s.code())).isSameAs(s);
            assertThat(XenbusState.parse(Integer.toString(s.code()))).isEqualTo(Decoded.ok(s));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "9", "-1", "4x", "0x4", "100", "Connected", "\u0664", "\uFF14", "+4", "4 4",
            "\u00A04"})
    void aPeersMalformedStateIsAValueNotAnException(String value) {
        assertThat(XenbusState.parse(value)).isInstanceOf(Decoded.Malformed.class);
        assertThat(XenbusState.parseOrUnknown(value)).isEqualTo(XenbusState.UNKNOWN);
    }

    @Test
    void asciiDecimalWithWhiteSpaceAroundIsAState() {
        assertThat(XenbusState.parse(" 4\n")).isEqualTo(Decoded.ok(XenbusState.CONNECTED));
        assertThat(XenbusState.parse("04")).isEqualTo(Decoded.ok(XenbusState.CONNECTED));
        // ARABIC-INDIC DIGIT FOUR is a digit to Character.isDigit, not to Linux's %d.
        assertThat(XenbusState.parseOrUnknown("\u0664")).isEqualTo(XenbusState.UNKNOWN);
    }

    @ParameterizedTest
    @CsvSource({
            "INITIALISING, INIT_WAIT", "INITIALISING, INITIALISED", "INITIALISING, CONNECTED",
            "INIT_WAIT, INITIALISED", "INIT_WAIT, CONNECTED", "INITIALISED, CONNECTED", "CONNECTED, CLOSING",
            "CONNECTED, CLOSED", "CLOSING, CLOSED", "CLOSED, INITIALISING", "CLOSED, INIT_WAIT",
            "CONNECTED, RECONFIGURING", "RECONFIGURING, RECONFIGURED", "RECONFIGURED, CONNECTED",
            "UNKNOWN, INITIALISING", "CONNECTED, CONNECTED"})
    void documentedStepsAreLegal(XenbusState from, XenbusState to) {
        assertThat(from.canSwitchTo(to)).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
            "CONNECTED, INITIALISING", "CONNECTED, INIT_WAIT", "CONNECTED, INITIALISED", "CLOSING, CONNECTED",
            "CLOSING, INITIALISING", "CLOSED, CONNECTED", "CLOSED, INITIALISED", "CLOSED, CLOSING",
            "INITIALISED, INIT_WAIT", "INIT_WAIT, INITIALISING", "CONNECTED, UNKNOWN", "INITIALISING, UNKNOWN",
            "UNKNOWN, CONNECTED", "RECONFIGURED, RECONFIGURING"})
    void backwardStepsAreRefused(XenbusState from, XenbusState to) {
        assertThat(from.canSwitchTo(to)).isFalse();
    }

    @Test
    void nothingLeadsBackToUnknown() {
        for (XenbusState s : XenbusState.values()) {
            assertThat(s.successors()).doesNotContain(XenbusState.UNKNOWN);
        }
    }
}
