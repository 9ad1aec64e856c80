package io.xensim.xenbus.store.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import org.junit.jupiter.api.Test;

class XsPayloadsTest {
    private static byte[] b(String s) {
        return XsPayloads.bytes(s);
    }

    @Test
    void splitKeepsOnlyTerminatedStrings() {
        assertThat(XsPayloads.split(b("a\0b\0"))).containsExactly("a", "b");
        assertThat(XsPayloads.split(b("a\0b"))).containsExactly("a");
        assertThat(XsPayloads.split(b("\0\0"))).containsExactly("", "");
        assertThat(XsPayloads.split(new byte[0])).isEmpty();
        assertThat(XsPayloads.countStrings(b("a\0b\0c"))).isEqualTo(2);
    }

    @Test
    void oneArgNeedsExactlyOneTrailingNul() {
        assertThat(XsPayloads.oneArg(b("/a\0"))).isEqualTo("/a");
        assertThat(XsPayloads.oneArg(b("\0"))).isEqualTo("");
        assertThat(XsPayloads.oneArg(b("/a"))).isNull();
        assertThat(XsPayloads.oneArg(b("/a\0b\0"))).isNull();
        assertThat(XsPayloads.oneArg(b("/a\0b"))).isNull();
        assertThat(XsPayloads.oneArg(new byte[0])).isNull();
    }

    @Test
    void buildersAndByteStrings() {
        assertThat(XsPayloads.ok()).isEqualTo(b("OK\0"));
        assertThat(XsPayloads.error(XsError.EINVAL)).isEqualTo(b("EINVAL\0"));
        assertThat(XsPayloads.strings("/a", "tok")).isEqualTo(b("/a\0tok\0"));
        assertThat(XsPayloads.stringThenBytes("/a", new byte[] {1, 0, 2})).isEqualTo(new byte[] {'/', 'a', 0, 1, 0, 2});
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        assertThat(XsPayloads.bytes(XsPayloads.text(all))).isEqualTo(all);
    }

    @Test
    void permissionsParseAsCDoes() {
        assertThat(XsPermission.parse("b0")).isEqualTo(Decoded.ok(XsPermission.both(0)));
        assertThat(XsPermission.parse("r0x10")).isEqualTo(Decoded.ok(XsPermission.read(16)));
        assertThat(XsPermission.parse("w010")).isEqualTo(Decoded.ok(XsPermission.write(8)));
        assertThat(XsPermission.parse("n-1")).isEqualTo(Decoded.ok(XsPermission.none(-1)));
        assertThat(XsPermission.parse("r")).isInstanceOf(Decoded.Malformed.class);
        assertThat(XsPermission.parse("x1")).isInstanceOf(Decoded.Malformed.class);
        assertThat(XsPermission.parse("r1 ")).isInstanceOf(Decoded.Malformed.class);
        assertThat(XsPermission.parse("")).isInstanceOf(Decoded.Malformed.class);
        assertThat(XsPermission.both(7)).hasToString("b7");
        assertThat(XsPermission.Access.ofBits(3)).isEqualTo(XsPermission.Access.BOTH);
    }

    @Test
    void atoiAsGlibc() {
        assertThat(CNumbers.atoi("42")).isEqualTo(42);
        assertThat(CNumbers.atoi("  -7x")).isEqualTo(-7);
        assertThat(CNumbers.atoi("junk")).isZero();
        assertThat(CNumbers.atoi("")).isZero();
        assertThat(CNumbers.atoi("99999999999999999999")).isEqualTo((int) Long.MAX_VALUE);
        assertThat(CNumbers.atol("-4294967296")).isEqualTo(-4294967296L);
        assertThat(CNumbers.strtolWhole("0x", 0)).isEmpty();
        assertThat(CNumbers.strtolWhole("0", 0)).hasValue(0);
    }
}
