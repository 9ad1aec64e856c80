package io.xensim.net.pcap;

import io.xensim.net.bridge.FrameTap;
import io.xensim.net.frame.Frame;
import io.xensim.xenbus.NanoClock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A capture file in the classic libpcap format: a 24-byte file header, then per frame a 16-byte record header and
 * the frame's bytes. Attach it to a bridge or a port as a {@link FrameTap}; it is dom0's {@code tcpdump -w}.
 *
 * <p><b>Format choices.</b> Link type {@link #LINKTYPE_ETHERNET} (frames from the destination address, no FCS,
 * exactly what a {@link Frame} holds). The nanosecond magic {@link #MAGIC_NANOSECONDS} {@code 0xa1b23c4d}: the
 * simulator's clock counts nanoseconds and a batch of frames in simulated time is often less than a microsecond
 * apart, which the microsecond format would show as equal timestamps; libpcap has read it since 1.5 and
 * Wireshark/tshark read it. Snap length {@link #SNAPLEN} 262144 (libpcap's {@code MAXIMUM_SNAPLEN}, tcpdump's
 * default): a GSO frame can reach {@link Frame#MAX_LENGTH} (65593 bytes: an IPv6 header and a 64 KiB payload
 * behind an 802.1Q header), which the older 65535 would cut.
 * Little-endian headers (the magic tells readers the byte order).
 *
 * <p><b>GSO frames</b> are written as they cross the tap, as one big frame with its blank checksum, which is what
 * {@code tcpdump -i vifN.M} shows on a Linux host with offloads; segmentation for a port that needs it happens on
 * the way out of the bridge, so a tap on that port sees the segments (see {@link io.xensim.net.bridge.Bridge}).
 * tshark reports a blank checksum as wrong, as it does on real offloaded captures.
 *
 * <p><b>Why not Netty's pcap support:</b> in {@code io.netty.handler.pcap} only {@code PcapWriteHandler} is public,
 * and it captures a channel's payload, synthesising Ethernet, IP and TCP/UDP headers around it; its file and
 * packet writers are package-private. Here the frames are already Ethernet, so writing the 24-byte file header and
 * the 16-byte record headers ourselves is both simpler and exact.
 *
 * <p>Timestamps come from an injected {@link NanoClock} read as nanoseconds since the Unix epoch:
 * {@link #WALL_CLOCK} for real time, a {@code ManualClock} (plus an epoch offset of the caller's choosing) for
 * deterministic captures. A host I/O error stops the capture and is logged; {@link #close} rethrows it, so it is
 * never lost.
 *
 * <p><b>Threading:</b> confined to the thread that calls {@link #onFrame} (the bridge's executor) and
 * {@link #close}.
 *
 * <p><b>Reference:</b> the libpcap file format (pcap-savefile(5); draft-ietf-opsawg-pcap), tcpdump's
 * {@code MAXIMUM_SNAPLEN} 262144, the LINKTYPE registry ({@code LINKTYPE_ETHERNET} 1).
 */
public final class PcapWriter implements FrameTap, AutoCloseable {
    /** Nanosecond-resolution magic number (little-endian on disk: {@code 4d 3c b2 a1}). */
    public static final int MAGIC_NANOSECONDS = 0xa1b23c4d;
    public static final int VERSION_MAJOR = 2;
    public static final int VERSION_MINOR = 4;
    /** {@code MAXIMUM_SNAPLEN}. */
    public static final int SNAPLEN = 262_144;
    /** {@code LINKTYPE_ETHERNET}. */
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int FILE_HEADER_LENGTH = 24;
    public static final int RECORD_HEADER_LENGTH = 16;
    /** Real time as nanoseconds since the epoch. */
    public static final NanoClock WALL_CLOCK = () -> ChronoUnit.NANOS.between(Instant.EPOCH, Instant.now());

    private static final Logger log = LoggerFactory.getLogger(PcapWriter.class);

    private final WritableByteChannel out;
    private final NanoClock clock;
    private final ByteBuffer recordHeader = ByteBuffer.allocate(RECORD_HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private IOException failure;
    private long frames;
    private boolean closed;

    /** Writes the file header to {@code out} at once; {@code clock} stamps each frame. */
    public PcapWriter(WritableByteChannel out, NanoClock clock) throws IOException {
        this.out = out;
        this.clock = clock;
        var header = ByteBuffer.allocate(FILE_HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(MAGIC_NANOSECONDS)
                .putShort((short) VERSION_MAJOR)
                .putShort((short) VERSION_MINOR)
                .putInt(0)                 // thiszone: timestamps are UTC
                .putInt(0)                 // sigfigs: always 0
                .putInt(SNAPLEN)
                .putInt(LINKTYPE_ETHERNET)
                .flip();
        writeFully(header);
    }

    /** A capture file at {@code file}, created or truncated. */
    public static PcapWriter create(Path file, NanoClock clock) throws IOException {
        var channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            return new PcapWriter(channel, clock);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /** Appends one record; a frame longer than {@link #SNAPLEN} is cut there, its original length kept. */
    @Override
    public void onFrame(Frame frame) {
        if (failure != null || closed) {
            return;
        }
        long now = clock.nanoTime();
        int length = frame.length();
        int captured = Math.min(length, SNAPLEN);
        recordHeader.clear()
                .putInt((int) Math.floorDiv(now, 1_000_000_000L))   // ts_sec (u32: good until 2106)
                .putInt((int) Math.floorMod(now, 1_000_000_000L))   // ts_nsec
                .putInt(captured)
                .putInt(length)
                .flip();
        try {
            writeFully(recordHeader);
            writeFully(frame.data().asSlice(0, captured).asByteBuffer());   // straight from the frame's segment
            frames++;
        } catch (IOException e) {
            failure = e;
            log.warn("pcap capture stopped after {} frames: {}", frames, e.toString());
        }
    }

    /** How many frames were written. */
    public long frames() {
        return frames;
    }

    /** Closes the channel; throws the I/O error that stopped the capture, if one did. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        out.close();
        if (failure != null) {
            throw new IOException("pcap capture failed after " + frames + " frames", failure);
        }
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }
}
