package io.xensim.net.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.net.frame.Frame;
import io.xensim.xenbus.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapWriterTest {

    @Test
    void writesTheFileHeaderAndOneRecordPerFrame() throws IOException {
        var clock = new ManualClock();
        clock.advanceNanos(1_700_000_000_123_456_789L);
        var bytes = new ByteArrayOutputStream();
        try (var pcap = new PcapWriter(Channels.newChannel(bytes), clock)) {
            pcap.onFrame(Frame.copyOf(HexFormat.of().parseHex("ffffffffffff00163e000001" + "0806" + "00")));
            assertThat(pcap.frames()).isEqualTo(1);
        }
        assertThat(HexFormat.of().formatHex(bytes.toByteArray())).isEqualTo(
                "4d3cb2a1" + "0200" + "0400"      // magic 0xa1b23c4d (ns), version 2.4, little-endian
                + "00000000" + "00000000"         // thiszone, sigfigs
                + "00000400" + "01000000"         // snaplen 262144, LINKTYPE_ETHERNET
                + "00f15365"                      // ts_sec 1700000000
                + "15cd5b07"                      // ts_nsec 123456789
                + "0f000000" + "0f000000"         // incl_len 15, orig_len 15
                + "ffffffffffff00163e000001080600");
    }

    @Test
    void theLongestFrameIsCapturedWhole() throws IOException {
        // No frame here exceeds 262144 bytes (Frame.MAX_LENGTH is 65593), so every frame is captured whole.
        assertThat(Frame.MAX_LENGTH).isLessThan(PcapWriter.SNAPLEN);
        var bytes = new ByteArrayOutputStream();
        try (var pcap = new PcapWriter(Channels.newChannel(bytes), new ManualClock())) {
            pcap.onFrame(Frame.copyOf(new byte[Frame.MAX_LENGTH]));
        }
        var record = ByteBuffer.wrap(bytes.toByteArray(), PcapWriter.FILE_HEADER_LENGTH, 16)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        record.getLong();
        assertThat(record.getInt()).isEqualTo(Frame.MAX_LENGTH);
        assertThat(record.getInt()).isEqualTo(Frame.MAX_LENGTH);
        assertThat(bytes.size()).isEqualTo(24 + 16 + Frame.MAX_LENGTH);
    }

    @Test
    void createWritesAFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("x.pcap");
        try (var pcap = PcapWriter.create(file, new ManualClock())) {
            pcap.onFrame(Frame.copyOf(new byte[60]));
            pcap.onFrame(Frame.copyOf(new byte[1514]));
        }
        assertThat(Files.size(file)).isEqualTo(24 + 16 + 60 + 16 + 1514);
    }

    @Test
    void anIoErrorStopsTheCaptureAndCloseReportsIt() throws IOException {
        var failing = new WritableByteChannel() {
            int writes;

            @Override
            public int write(ByteBuffer src) throws IOException {
                if (++writes > 1) {
                    throw new IOException("disk full");
                }
                int n = src.remaining();
                src.position(src.limit());
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        var pcap = new PcapWriter(failing, new ManualClock());
        pcap.onFrame(Frame.copyOf(new byte[60]));   // does not throw into the bridge
        pcap.onFrame(Frame.copyOf(new byte[60]));
        assertThat(pcap.frames()).isZero();
        assertThat(failing.writes).isEqualTo(2);
        assertThatThrownBy(pcap::close).isInstanceOf(IOException.class).hasRootCauseMessage("disk full");
    }
}
