package io.xensim.testbed.boot;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.hvm.boot.BootedGuest;
import io.xensim.hvm.boot.GuestDisk;
import io.xensim.hvm.boot.GuestNic;
import io.xensim.hvm.boot.HvmHost;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.IcmpHeader;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.net.guest.GuestResponder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

/**
 * What {@code xensim boot --workload} runs on the booted guests: {@link #PING} (guest 1's first NIC pings guest 2's:
 * ARP, then {@link #PINGS} ICMP echo requests), {@link #STREAM} (UDP frames from guest 1 to guest 2, or to the
 * broadcast address with one guest, until the duration ends) and {@link #DISK} (random writes of random data to
 * each guest's first disk, each read back and compared, until the duration ends). Each ends with a {@link Result}:
 * whether it did what it claims, the lines to print and its counters.
 *
 * <p><b>Threading:</b> the thread that drives the {@link HvmHost}; the guests' devices are used on their executors
 * ({@link HvmHost#onDomain}). The duration is wall-clock time; each workload does at least one round, and a
 * {@code stopped} check that turns true (Ctrl-C) ends the stream and disk rounds early.
 * {@link #ping(HvmHost, BootedGuest, Ipv4Address, BootedGuest, Ipv4Address)}, {@link #stream(HvmHost, BootedGuest,
 * BootedGuest, long)} and {@link #disk(HvmHost, List, long)} are the same rounds counted instead of timed, for
 * {@code xensim demo}, whose output must not depend on the machine's speed.
 */
public enum Workload {
    PING, STREAM, DISK;

    public static final int PINGS = 4;
    public static final Ipv4Address IP1 = Ipv4Address.of("10.0.0.1");
    public static final Ipv4Address IP2 = Ipv4Address.of("10.0.0.2");
    private static final int PING_ID = 0x5853;
    private static final int STREAM_PORT = 5001;
    public static final int STREAM_PAYLOAD = 1024;
    private static final int DISK_SECTORS_PER_IO = 8;

    /** How a workload went. */
    public record Result(boolean ok, List<String> lines, Map<String, Long> counters) {
        public Result {
            lines = List.copyOf(lines);
            counters = Map.copyOf(counters);
        }
    }

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Runs on {@code guests} (in domid order) for about {@code duration}. */
    public Result run(HvmHost host, List<BootedGuest> guests, Duration duration) {
        return run(host, guests, duration, () -> false);
    }

    /** Runs on {@code guests} for about {@code duration}, or until {@code stopped} (checked between rounds). */
    public Result run(HvmHost host, List<BootedGuest> guests, Duration duration, BooleanSupplier stopped) {
        return switch (this) {
            case PING -> ping(host, guests);
            case STREAM -> stream(host, guests, untilDeadline(duration, stopped));
            case DISK -> disk(host, guests, () -> untilDeadline(duration, stopped));
        };
    }

    private static Result ping(HvmHost host, List<BootedGuest> guests) {
        if (guests.size() < 2 || guests.get(0).nics().isEmpty() || guests.get(1).nics().isEmpty()) {
            return new Result(false, List.of("ping: needs two guests with a network interface each (have "
                    + guests.stream().map(g -> "dom" + g.domid() + " " + g.nics().size() + " NICs").toList() + ")"),
                    Map.of());
        }
        return ping(host, guests.get(0), IP1, guests.get(1), IP2);
    }

    /**
     * {@code g1}'s first NIC, at {@code fromIp}, pings {@code g2}'s first NIC, at {@code toIp}: ARP, then
     * {@link #PINGS} ICMP echo requests; each guest's NIC answers as a {@link GuestResponder} for its address.
     */
    public static Result ping(HvmHost host, BootedGuest g1, Ipv4Address fromIp, BootedGuest g2, Ipv4Address toIp) {
        if (g1.nics().isEmpty() || g2.nics().isEmpty()) {
            return new Result(false, List.of("ping: needs two guests with a network interface each (have dom"
                    + g1.domid() + " " + g1.nics().size() + " NICs, dom" + g2.domid() + " " + g2.nics().size()
                    + " NICs)"), Map.of());
        }
        GuestNic n1 = g1.nics().getFirst();
        GuestNic n2 = g2.nics().getFirst();
        List<Frame> back = new ArrayList<>();
        host.onDomain(g1.domain(), () -> GuestResponder.attach(n1.iface(), fromIp, back::add));
        GuestResponder responder = host.onDomain(g2.domain(), () -> GuestResponder.attach(n2.iface(), toIp));
        List<String> lines = new ArrayList<>();
        lines.add("PING " + toIp + " from dom" + g1.domid() + " " + n1.name() + " (" + n1.driver() + ") to dom"
                + g2.domid() + " " + n2.name() + " (" + n2.driver() + ")");
        send(host, g1, n1, FrameBuilder.arpRequest(n1.mac(), fromIp, toIp));
        boolean arp = responder.arpReplies() == 1;
        lines.add("ARP who-has " + toIp + " tell " + fromIp + ": " + (arp ? "reply from " + n2.mac() : "no reply"));
        byte[] data = Arrays.copyOf("xensim ping".getBytes(StandardCharsets.US_ASCII), 56);
        long received = 0;
        for (int seq = 1; seq <= PINGS; seq++) {
            back.clear();
            long before = responder.echoReplies();
            send(host, g1, n1, new FrameBuilder(n1.mac(), n2.mac()).ipv4(fromIp, toIp).identification(seq)
                    .icmpEcho(IcmpHeader.ICMP_ECHO, PING_ID, seq).payload(data).build());
            boolean replied = back.size() == 1 && responder.echoReplies() == before + 1;
            received += replied ? 1 : 0;
            lines.add(replied ? back.getFirst().length() + " bytes from " + toIp + ": icmp_seq=" + seq
                    : "no reply for icmp_seq=" + seq);
        }
        lines.add(PINGS + " packets transmitted, " + received + " received");
        var counters = new LinkedHashMap<String, Long>();
        counters.put("transmitted", (long) PINGS);
        counters.put("received", received);
        return new Result(arp && received == PINGS, lines, counters);
    }

    /** {@code frames} UDP frames of {@link #STREAM_PAYLOAD} bytes from {@code from}'s first NIC to {@code to}'s. */
    public static Result stream(HvmHost host, BootedGuest from, BootedGuest to, long frames) {
        return stream(host, List.of(from, to), sent -> sent < frames);
    }

    /** Before each round after the first: whether to do another (not past the deadline, not stopped). */
    private static LongPredicate untilDeadline(Duration duration, BooleanSupplier stopped) {
        long deadline = deadline(duration);
        return done -> System.nanoTime() - deadline < 0 && !stopped.getAsBoolean();
    }

    private static Result stream(HvmHost host, List<BootedGuest> guests, LongPredicate more) {
        if (guests.isEmpty() || guests.getFirst().nics().isEmpty()) {
            return new Result(false, List.of("stream: the first guest has no network interface"), Map.of());
        }
        BootedGuest from = guests.getFirst();
        GuestNic tx = from.nics().getFirst();
        BootedGuest to = guests.size() > 1 && !guests.get(1).nics().isEmpty() ? guests.get(1) : null;
        MacAddress dst = to == null ? MacAddress.BROADCAST : to.nics().getFirst().mac();
        long[] got = new long[1];
        if (to != null) {
            GuestNic rx = to.nics().getFirst();
            host.onDomain(to.domain(), () -> {
                rx.iface().setReceiver(f -> got[0]++);
                return null;
            });
        }
        byte[] payload = new byte[STREAM_PAYLOAD];
        long sent = 0;
        do {
            Frame frame = new FrameBuilder(tx.mac(), dst).ipv4(IP1, IP2).identification((int) (sent & 0xffff))
                    .udp(STREAM_PORT, STREAM_PORT).payload(payload).build();
            send(host, from, tx, frame);
            sent++;
        } while (more.test(sent));
        host.runUntilIdle();
        var counters = new LinkedHashMap<String, Long>();
        counters.put("sent", sent);
        counters.put("received", got[0]);
        String target = to == null ? "broadcast" : "dom" + to.domid() + " " + to.nics().getFirst().name();
        List<String> lines = List.of("stream: dom" + from.domid() + " " + tx.name() + " -> " + target + ": " + sent
                + " UDP frames of " + STREAM_PAYLOAD + " bytes sent" + (to == null ? "" : ", " + got[0] + " received"));
        return new Result(to == null || got[0] == sent, lines, counters);
    }

    /** {@code ios} random writes of random data to each guest's first disk, each read back and compared. */
    public static Result disk(HvmHost host, List<BootedGuest> guests, long ios) {
        return disk(host, guests, () -> done -> done < ios);
    }

    private static Result disk(HvmHost host, List<BootedGuest> guests, Supplier<LongPredicate> perGuest) {
        List<String> lines = new ArrayList<>();
        var counters = new LinkedHashMap<String, Long>();
        boolean ok = true;
        long verified = 0;
        long failed = 0;
        var random = new Random(1);
        for (BootedGuest g : guests) {
            if (g.disks().isEmpty()) {
                lines.add("disk: dom" + g.domid() + " has no block device");
                ok = false;
                continue;
            }
            GuestDisk disk = g.disks().getFirst();
            long sectors = host.onDomain(g.domain(), () -> disk.device().sectors());
            int sectorSize = host.onDomain(g.domain(), () -> disk.device().sectorSize());
            int bytes = DISK_SECTORS_PER_IO * sectorSize;
            long ios = 0;
            long bad = 0;
            LongPredicate more = perGuest.get();
            try (Arena arena = Arena.ofShared()) {
                MemorySegment out = arena.allocate(bytes);
                MemorySegment in = arena.allocate(bytes);
                do {
                    long sector = (long) (random.nextDouble() * (sectors - DISK_SECTORS_PER_IO + 1));
                    byte[] data = new byte[bytes];
                    random.nextBytes(data);
                    MemorySegment.copy(data, 0, out, ValueLayout.JAVA_BYTE, 0, bytes);
                    in.fill((byte) 0);
                    BlkStatus wrote = host.await(host.onDomain(g.domain(), () -> disk.device().write(sector, out)));
                    BlkStatus read = host.await(host.onDomain(g.domain(), () -> disk.device().read(sector, in)));
                    ios++;
                    if (wrote != BlkStatus.OK || read != BlkStatus.OK || in.mismatch(out) != -1) {
                        bad++;
                        lines.add("disk: dom" + g.domid() + " " + disk.name() + " sector " + sector + ": write "
                                + wrote + ", read " + read + (in.mismatch(out) == -1 ? "" : ", data differs"));
                    }
                } while (more.test(ios));
            }
            lines.add("disk: dom" + g.domid() + " " + disk.name() + " (" + disk.driver() + "): " + ios
                    + " random writes of " + bytes + " bytes, each read back: " + (ios - bad) + " verified, " + bad
                    + " failed");
            verified += ios - bad;
            failed += bad;
            ok &= bad == 0;
        }
        counters.put("verified", verified);
        counters.put("failed", failed);
        return new Result(ok, lines, counters);
    }

    /** When {@code duration} from now ends, in {@code System.nanoTime()}; about 146 years at most. */
    private static long deadline(Duration duration) {
        long now = System.nanoTime();
        return duration.compareTo(Duration.ofNanos(Long.MAX_VALUE / 2)) >= 0 ? now + Long.MAX_VALUE / 2
                : now + duration.toNanos();
    }

    /** Sends {@code frame} from {@code nic}, waiting for room when its TX queue is full, then runs the host idle. */
    private static void send(HvmHost host, BootedGuest guest, GuestNic nic, Frame frame) {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            SendResult result = host.onDomain(guest.domain(), () -> nic.iface().send(frame));
            host.runUntilIdle();
            if (result == SendResult.SENT) {
                return;
            }
        }
        throw new IllegalStateException("dom" + guest.domid() + " " + nic.name() + ": could not send a frame");
    }
}
