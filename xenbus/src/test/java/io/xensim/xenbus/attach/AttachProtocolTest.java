package io.xensim.xenbus.attach;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.grant.GnttabStatus;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attach protocol from a plain Java socket (no gcc needed): the handshake's refusals, the status codes of
 * requests a domain would get refused, and a malformed stream ending only its own connection.
 */
@Timeout(60)
class AttachProtocolTest {
    @TempDir
    Path dir;

    private Hypervisor hv;
    private AttachServer server;
    private Domain guest;
    private final BlockingQueue<Detached> detached = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws IOException {
        hv = Hypervisor.create(ThreadingMode.DEDICATED);
        hv.createDomain(DomainConfig.of(0, "Domain-0", 4));
        guest = hv.createDomain(DomainConfig.of(1, "guest1", 4).withMemoryFile(dir.resolve("g1.mem")));
        server = AttachServer.start(hv, dir.resolve("attach.sock")).allow(0).onDetach(detached::add);
    }

    @AfterEach
    void stop() {
        server.close();
        hv.close();
    }

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(server.socketPath()));
        return ch;
    }

    private static void send(SocketChannel ch, int op, int id, int arg, int... words) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + words.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(op).putInt(id).putInt(words.length / 4).putInt(arg);
        for (int w : words) {
            b.putInt(w);
        }
        b.flip();
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** The reply's header and items ({@code [op, id, status, count, items...]}); null at end of stream. */
    private static int[] reply(SocketChannel ch) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        if (!fill(ch, header)) {
            return null;
        }
        int count = header.getInt(12);
        ByteBuffer items = ByteBuffer.allocate(count * 16).order(ByteOrder.LITTLE_ENDIAN);
        fill(ch, items);
        int[] out = new int[4 + count * 4];
        for (int i = 0; i < 4; i++) {
            out[i] = header.getInt(i * 4);
        }
        for (int i = 0; i < count * 4; i++) {
            out[4 + i] = items.getInt(i * 4);
        }
        if ((out[0] & AttachWire.FD_FOLLOWS) != 0) {
            fill(ch, ByteBuffer.allocate(1)); // the descriptor's byte (Java's channel drops the descriptor)
        }
        return out;
    }

    private static boolean fill(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void helloIsRefusedForAnUnexpectedDomainOrVersion() throws IOException {
        try (var ch = connect()) {
            send(ch, AttachWire.OP_HELLO, 1, 7, AttachWire.VERSION, AttachWire.KIND_GNTTAB, 0, 0);
            assertThat(reply(ch)[2]).as("d7 was not allowed").isEqualTo(-AttachWire.EPERM);
            send(ch, AttachWire.OP_HELLO, 2, 0, 99, AttachWire.KIND_GNTTAB, 0, 0);
            assertThat(reply(ch)[2]).as("version 99").isEqualTo(-AttachWire.EPROTO);
            send(ch, AttachWire.OP_HELLO, 3, 0, AttachWire.VERSION, AttachWire.KIND_GNTTAB, 0, 0);
            int[] ok = reply(ch);
            assertThat(ok[0]).isEqualTo(AttachWire.OP_HELLO | AttachWire.REPLY);
            assertThat(ok[1]).isEqualTo(3);
            assertThat(ok[2]).isZero();
            assertThat(ok[5]).as("domid").isZero();
        }
    }

    @Test
    void refusedGrantsAreStatusCodesAndTheConnectionStays() throws IOException {
        long gfn = guest.memory().allocateFrame();
        int ro = guest.grantTable().grantAccess(0, gfn, true);
        try (var ch = connect()) {
            send(ch, AttachWire.OP_HELLO, 1, 0, AttachWire.VERSION, AttachWire.KIND_GNTTAB, 0, 0);
            reply(ch);
            send(ch, AttachWire.OP_MAP, 2, 1, ro, 0, 0, 0); // writable map of a read-only grant
            int[] refused = reply(ch);
            assertThat(refused[2]).isEqualTo(-AttachWire.EINVAL);
            // Xen's _set_status_v1(): "Attempt to write-pin a r/o grant entry" is GNTST_general_error.
            assertThat((short) refused[5]).isEqualTo(GnttabStatus.GNTST_general_error);
            send(ch, AttachWire.OP_MAP, 3, 1, 5000, 1, 0, 0);
            assertThat((short) reply(ch)[5]).isEqualTo(GnttabStatus.GNTST_bad_gntref);
            send(ch, AttachWire.OP_MAP, 4, 9, ro, 1, 0, 0);
            assertThat((short) reply(ch)[5]).isEqualTo(GnttabStatus.GNTST_bad_domain);
            send(ch, AttachWire.OP_UNMAP, 5, 0, 12345, 0, 0, 0);
            assertThat(reply(ch)[2]).as("a handle it does not hold").isEqualTo(-AttachWire.EINVAL);

            send(ch, AttachWire.OP_MAP, 6, 1, ro, 1, 0, 0);
            int[] mapped = reply(ch);
            assertThat(mapped[2]).isZero();
            assertThat(mapped[0] & AttachWire.FD_FOLLOWS).as("the guest's memory descriptor").isNotZero();
            assertThat(mapped[6]).as("gfn").isEqualTo((int) gfn);
            assertThat(guest.grantTable().endForeignAccess(ro)).as("mapped: not revocable").isFalse();
        }
        Detached gone = poll();
        assertThat(gone.mapsOutstanding()).isEqualTo(1);
        assertThat(hv.requireDomain(0).grantOps().activeMappings()).isZero();
        assertThat(guest.grantTable().endForeignAccess(ro)).as("released at close").isTrue();
    }

    @Test
    void aMalformedStreamEndsOnlyItsConnection() throws IOException {
        try (var good = connect(); var bad = connect(); var early = connect()) {
            send(good, AttachWire.OP_HELLO, 1, 0, AttachWire.VERSION, AttachWire.KIND_EVTCHN, 0, 0);
            assertThat(reply(good)[2]).isZero();
            send(early, AttachWire.OP_NOTIFY, 1, 0, 1, 0, 0, 0); // before HELLO
            assertThat(reply(early)).isNull();
            ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(AttachWire.OP_MAP).putInt(1).putInt(AttachWire.MAX_ITEMS + 1).putInt(1).flip();
            bad.write(huge);
            assertThat(reply(bad)).as("too many items: closed").isNull();
            send(good, AttachWire.OP_NOTIFY, 2, 0, 1, 0, 0, 0);
            assertThat(reply(good)[2]).as("the good one still answers").isEqualTo(-AttachWire.ENOTCONN);
        }
    }

    @Test
    void aSocketPathInUseIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AttachServer.start(hv, server.socketPath()))
                .isInstanceOf(IOException.class).hasMessageContaining("in use");
    }

    private Detached poll() {
        try {
            Detached d = detached.poll(30, TimeUnit.SECONDS);
            assertThat(d).isNotNull();
            return d;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
