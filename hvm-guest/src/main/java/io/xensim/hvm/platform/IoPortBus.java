package io.xensim.hvm.platform;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The guest's x86 I/O-port address space (64 Ki ports) as the device model sees it: device models claim port
 * ranges ({@link #register}), and every {@code in}/{@code out} the guest executes is one VM exit that Xen hands to
 * the device model (an ioreq) and that lands here. An unclaimed port reads as all ones (0xff, 0xffff or
 * 0xffffffff by size) and ignores writes, as a real PC's floating bus does.
 *
 * <p>An access whose bytes all fall in one region goes to that region's device in one call. One that straddles a
 * region's end, or touches unclaimed ports, is split into single-byte accesses, each to its own port (QEMU's
 * memory core splits the same way), and still counts as one exit.
 *
 * <p>Exits are counted per port (the first port of the access) and in total, so that an emulated device path and
 * a PV path can be compared by how often they leave the guest.
 *
 * <p><b>Threading:</b> confined to the thread of the guest's vCPU (its domain's executor): the guest's accesses and
 * the device models' (un)registrations, which QEMU also makes from its device-model loop in response to guest
 * accesses, all run there. Not thread-safe.
 *
 * <p><b>Reference:</b> QEMU {@code softmmu/ioport.c} and {@code memory.c} ({@code unassigned_io_ops}: reads of
 * unassigned I/O return all ones, writes are dropped).
 */
public final class IoPortBus {
    /** Ports in the x86 I/O address space (16-bit port numbers). */
    public static final int PORT_COUNT = 0x10000;

    private final IoRegion[] owner = new IoRegion[PORT_COUNT];
    private final List<IoRegion> regions = new ArrayList<>();
    private final long[] exitsPerPort = new long[PORT_COUNT];
    private long exits;

    /**
     * Claims {@code base .. base + length - 1} for {@code device}.
     *
     * @throws IllegalArgumentException if the range overlaps a claimed one (a device-model wiring bug); a range
     *     the guest chose (a BAR) goes through {@link #tryRegister} instead
     */
    public IoRegion register(String name, int base, int length, IoPortDevice device) {
        var region = new IoRegion(name, base, length, device);
        return tryRegister(region).orElseThrow(() -> new IllegalArgumentException(
                "region: " + region + " (expected: no overlap with " + overlapping(region) + ")"));
    }

    /** Claims {@code region} if no claimed range overlaps it; empty (nothing changes) otherwise. */
    public Optional<IoRegion> tryRegister(IoRegion region) {
        if (!overlapping(region).isEmpty()) {
            return Optional.empty();
        }
        for (int p = region.base(); p <= region.last(); p++) {
            owner[p] = region;
        }
        regions.add(region);
        return Optional.of(region);
    }

    /** Releases {@code region}'s ports; false if it is not registered (it was already released). */
    public boolean unregister(IoRegion region) {
        if (!regions.removeIf(r -> r == region)) {
            return false;
        }
        for (int p = region.base(); p <= region.last(); p++) {
            owner[p] = null;
        }
        return true;
    }

    /** The registered regions, lowest base first. */
    public List<IoRegion> regions() {
        var sorted = new ArrayList<>(regions);
        sorted.sort((a, b) -> Integer.compare(a.base(), b.base()));
        return Collections.unmodifiableList(sorted);
    }

    /** The region claiming {@code port}, if any. */
    public Optional<IoRegion> regionAt(int port) {
        checkPort(port);
        return Optional.ofNullable(owner[port]);
    }

    /** {@code in} of {@code size} bytes (1, 2 or 4) at {@code port}: one VM exit. */
    public int in(int port, int size) {
        checkAccess(port, size);
        countExit(port);
        IoRegion region = owner[port];
        if (region != null && port + size - 1 <= region.last()) {
            return region.device().in(port - region.base(), size) & mask(size);
        }
        int value = 0;
        for (int i = 0; i < size; i++) {
            value |= readByte(port + i) << (8 * i);
        }
        return value;
    }

    /** {@code out} of {@code size} bytes (1, 2 or 4) at {@code port}: one VM exit. */
    public void out(int port, int size, int value) {
        checkAccess(port, size);
        countExit(port);
        int masked = value & mask(size);
        IoRegion region = owner[port];
        if (region != null && port + size - 1 <= region.last()) {
            region.device().out(port - region.base(), size, masked);
            return;
        }
        for (int i = 0; i < size; i++) {
            writeByte(port + i, (masked >>> (8 * i)) & 0xff);
        }
    }

    /** VM exits for port accesses since creation (or {@link #resetExits()}). */
    public long exits() {
        return exits;
    }

    /** VM exits of accesses that started at {@code port}. */
    public long exits(int port) {
        checkPort(port);
        return exitsPerPort[port];
    }

    /** Exits per port, for the ports that had any, lowest port first. */
    public Map<Integer, Long> exitsPerPort() {
        var map = new TreeMap<Integer, Long>();
        for (int p = 0; p < PORT_COUNT; p++) {
            if (exitsPerPort[p] != 0) {
                map.put(p, exitsPerPort[p]);
            }
        }
        return Collections.unmodifiableMap(map);
    }

    /** Zeroes the exit counters (e.g. after firmware, so that a benchmark counts only the workload). */
    public void resetExits() {
        exits = 0;
        Arrays.fill(exitsPerPort, 0);
    }

    /** All ones of an access of {@code size} bytes: what an unclaimed port reads. */
    public static int mask(int size) {
        return size == 4 ? 0xffffffff : (1 << (8 * size)) - 1;
    }

    private int readByte(int port) {
        if (port >= PORT_COUNT || owner[port] == null) {
            return 0xff;
        }
        IoRegion region = owner[port];
        return region.device().in(port - region.base(), 1) & 0xff;
    }

    private void writeByte(int port, int value) {
        if (port < PORT_COUNT && owner[port] != null) {
            IoRegion region = owner[port];
            region.device().out(port - region.base(), 1, value);
        }
    }

    private void countExit(int port) {
        exits++;
        exitsPerPort[port]++;
    }

    private List<IoRegion> overlapping(IoRegion region) {
        return regions.stream().filter(r -> r.base() <= region.last() && region.base() <= r.last()).toList();
    }

    private static void checkAccess(int port, int size) {
        checkPort(port);
        if (size != 1 && size != 2 && size != 4) {
            throw new IllegalArgumentException("size: " + size + " (expected: 1, 2 or 4)");
        }
    }

    private static void checkPort(int port) {
        if (port < 0 || port >= PORT_COUNT) {
            throw new IllegalArgumentException("port: 0x" + Integer.toHexString(port) + " (expected: 0..0xffff)");
        }
    }
}
