package io.xensim.hvm.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IoPortBusTest {
    /** A 4-port scratch register file that records every access it sees. */
    static final class Scratch implements IoPortDevice {
        final byte[] bytes = new byte[4];
        final List<String> accesses = new ArrayList<>();

        @Override
        public int in(int offset, int size) {
            accesses.add("in " + offset + "/" + size);
            int v = 0;
            for (int i = 0; i < size && offset + i < 4; i++) {
                v |= (bytes[offset + i] & 0xff) << (8 * i);
            }
            return v;
        }

        @Override
        public void out(int offset, int size, int value) {
            accesses.add("out " + offset + "/" + size + "=" + Integer.toHexString(value));
            for (int i = 0; i < size && offset + i < 4; i++) {
                bytes[offset + i] = (byte) (value >>> (8 * i));
            }
        }
    }

    @Test
    void unclaimedPortsReadAllOnesAndIgnoreWrites() {
        var bus = new IoPortBus();
        bus.out(0x80, 1, 0x12);
        assertThat(bus.in(0x80, 1)).isEqualTo(0xff);
        assertThat(bus.in(0x80, 2)).isEqualTo(0xffff);
        assertThat(bus.in(0x80, 4)).isEqualTo(0xffffffff);
        assertThat(bus.in(0xffff, 4)).as("past the end of the port space").isEqualTo(0xffffffff);
    }

    @Test
    void accessesInsideARegionReachTheDeviceWithOffsetAndMaskedValue() {
        var bus = new IoPortBus();
        var dev = new Scratch();
        bus.register("scratch", 0x300, 4, dev);
        bus.out(0x301, 2, 0xabcd1234);
        assertThat(dev.accesses).containsExactly("out 1/2=1234");
        assertThat(bus.in(0x300, 4)).isEqualTo(0x00123400);
        assertThat(bus.in(0x302, 1)).isEqualTo(0x12);
    }

    @Test
    void anAccessStraddlingTheRegionEndIsSplitIntoBytes() {
        var bus = new IoPortBus();
        var dev = new Scratch();
        bus.register("scratch", 0x300, 4, dev);
        dev.bytes[3] = 0x5a;
        // bytes 0x303 (claimed) and 0x304..0x306 (unclaimed: 0xff)
        assertThat(bus.in(0x303, 4)).isEqualTo(0xffffff5a);
        bus.out(0x302, 4, 0x11223344);
        assertThat(dev.accesses).endsWith("out 2/1=44", "out 3/1=33");
        assertThat(bus.exits()).as("one instruction, one exit").isEqualTo(2);
    }

    @Test
    void everyAccessIsOneExitCountedOnItsFirstPort() {
        var bus = new IoPortBus();
        bus.register("scratch", 0x300, 4, new Scratch());
        bus.in(0x300, 2);
        bus.out(0x300, 1, 1);
        bus.in(0x302, 4);
        bus.in(0x80, 1);
        assertThat(bus.exits()).isEqualTo(4);
        assertThat(bus.exits(0x300)).isEqualTo(2);
        assertThat(bus.exits(0x301)).isZero();
        assertThat(bus.exitsPerPort()).isEqualTo(Map.of(0x80, 1L, 0x300, 2L, 0x302, 1L));
        bus.resetExits();
        assertThat(bus.exits()).isZero();
        assertThat(bus.exitsPerPort()).isEmpty();
    }

    @Test
    void overlappingRegistrationIsRefused() {
        var bus = new IoPortBus();
        var first = bus.register("a", 0x10, 16, new Scratch());
        assertThatThrownBy(() -> bus.register("b", 0x1f, 2, new Scratch()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a[0x0010-0x001f]");
        assertThat(bus.tryRegister(new IoRegion("b", 0x0f, 1, new Scratch()))).isPresent();
        assertThat(bus.tryRegister(new IoRegion("c", 0x18, 1, new Scratch()))).isEmpty();
        assertThat(bus.unregister(first)).isTrue();
        assertThat(bus.unregister(first)).isFalse();
        assertThat(bus.in(0x10, 2)).isEqualTo(0xffff);
        assertThat(bus.regions()).extracting(IoRegion::name).containsExactly("b");
    }

    @Test
    void invalidSizesAndPortsAreMisuse() {
        var bus = new IoPortBus();
        assertThatThrownBy(() -> bus.in(0x10, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("size: 3 (expected: 1, 2 or 4)");
        assertThatThrownBy(() -> bus.out(0x10000, 1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port: 0x10000 (expected: 0..0xffff)");
        assertThatThrownBy(() -> new IoRegion("x", 0xfff0, 0x20, new Scratch()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
