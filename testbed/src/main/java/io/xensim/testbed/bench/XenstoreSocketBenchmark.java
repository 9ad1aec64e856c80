package io.xensim.testbed.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.xensim.xenbus.store.server.ConnectionInfo;
import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.server.XsConnection;
import io.xensim.xenbus.store.server.XsSink;
import io.xensim.xenbus.store.socket.XenstoredSocketServer;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * xenstored over its Unix socket, messages per second with {@value #DEPTH} requests pipelined per connection (one
 * connection per JMH thread: run with {@code -t 1} and {@code -t 16}), beside a trivial Netty echo server on the same
 * epoll domain-socket transport in the same run, and beside xenstored reached in-process through
 * {@link XsConnection} (no socket, no codec).
 *
 * <p>Both socket servers run as {@code xensim xenstored} does: one epoll event-loop thread each (xenstored's work on
 * that same thread). Message sizes: an {@code XS_READ} request is 16 + 11 bytes and its reply 16 + 16; an
 * {@code XS_WRITE} request 16 + 27 and its reply 16 + 3; the echo baseline sends the {@code XS_READ} request bytes
 * and gets them back. Every batch's replies are checked by their total length and the last reply's type.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class XenstoreSocketBenchmark {
    /** Requests written back to back before the replies are read. */
    public static final int DEPTH = 64;
    static final byte[] VALUE = XsPayloads.bytes("0123456789abcdef");

    /** Both socket servers and an in-process xenstored, shared by all threads. */
    @State(Scope.Benchmark)
    public static class Servers {
        Path dir;
        MultiThreadIoEventLoopGroup xenstoredGroup;
        XenstoredSocketServer xenstoredServer;
        Path xenstoredSocket;
        MultiThreadIoEventLoopGroup echoGroup;
        Channel echoServer;
        Path echoSocket;
        ExecutorService inProcessThread;
        Xenstored inProcess;
        final AtomicInteger nextId = new AtomicInteger();

        @Setup(Level.Trial)
        public void start() throws Exception {
            dir = Files.createTempDirectory("xensim-bench");
            xenstoredSocket = dir.resolve("xenstored.sock");
            xenstoredGroup = XenstoredSocketServer.newEventLoopGroup(1);
            xenstoredServer = XenstoredSocketServer.start(new Xenstored(xenstoredGroup.next()), xenstoredSocket,
                    xenstoredGroup);

            echoSocket = dir.resolve("echo.sock");
            echoGroup = XenstoredSocketServer.newEventLoopGroup(1);
            echoServer = new ServerBootstrap().group(echoGroup).channel(EpollServerDomainSocketChannel.class)
                    .childHandler(Echo.INSTANCE)
                    .bind(new DomainSocketAddress(echoSocket.toString())).sync().channel();

            inProcessThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "xenstored-inprocess"));
            inProcess = new Xenstored(inProcessThread);
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            xenstoredServer.close();
            xenstoredGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            echoServer.close().sync();
            echoGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            inProcessThread.shutdownNow();
            Files.deleteIfExists(xenstoredSocket);
            Files.deleteIfExists(echoSocket);
            Files.deleteIfExists(dir);
        }
    }

    /** The baseline: every byte read is written back. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        static final Echo INSTANCE = new Echo();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    /** One blocking client socket per thread, with its batches pre-encoded. */
    static final class Client implements AutoCloseable {
        final SocketChannel channel;
        final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024).order(ByteOrder.LITTLE_ENDIAN);

        Client(Path socket) {
            try {
                channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Writes the batch, reads exactly {@code replyBytes} back; returns the type of the last message read. */
        int roundTrip(ByteBuffer batch, int replyBytes, int lastReplyLength) throws IOException {
            batch.rewind();
            while (batch.hasRemaining()) {
                channel.write(batch);
            }
            in.clear().limit(replyBytes);
            while (in.hasRemaining()) {
                if (channel.read(in) < 0) {
                    throw new IOException("server closed the connection");
                }
            }
            return in.getInt(replyBytes - lastReplyLength);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    static ByteBuffer batch(XsMessage... messages) {
        var out = new ByteArrayOutputStream();
        for (int i = 0; i < DEPTH; i++) {
            out.writeBytes(XsdSockmsg.encode(messages[i % messages.length]));
        }
        return ByteBuffer.allocateDirect(out.size()).put(out.toByteArray()).flip();
    }

    static int wireLength(XsMessage m) {
        return XsdSockmsg.LENGTH + m.len();
    }

    /** A connection to xenstored with its own node {@code /bench/<n>}. */
    @State(Scope.Thread)
    public static class XenstoredClient {
        Client client;
        ByteBuffer reads;
        ByteBuffer writes;
        int readReply;
        int writeReply;

        @Setup(Level.Trial)
        public void open(Servers servers) throws IOException {
            client = new Client(servers.xenstoredSocket);
            String path = "/bench/" + servers.nextId.getAndIncrement();
            var write = new XsMessage(XsType.XS_WRITE, 1, 0, XsPayloads.stringThenBytes(path, VALUE));
            var read = XsMessage.of(XsType.XS_READ, 2, 0, path);
            writes = batch(write);
            reads = batch(read);
            writeReply = wireLength(XsMessage.of(XsType.XS_WRITE, 1, 0, "OK"));
            readReply = wireLength(new XsMessage(XsType.XS_READ, 2, 0, VALUE));
            check(client.roundTrip(writes, DEPTH * writeReply, writeReply), XsType.XS_WRITE);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            client.close();
        }
    }

    /** A connection to the echo server; its batch is the XS_READ batch's bytes. */
    @State(Scope.Thread)
    public static class EchoClient {
        Client client;
        ByteBuffer batch;
        int messageLength;

        @Setup(Level.Trial)
        public void open(Servers servers) {
            client = new Client(servers.echoSocket);
            var read = XsMessage.of(XsType.XS_READ, 2, 0, "/bench/00");
            batch = batch(read);
            messageLength = wireLength(read);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            client.close();
        }
    }

    /** An in-process connection: requests into {@link XsConnection#receive}, replies counted by the sink. */
    @State(Scope.Thread)
    public static class InProcessClient implements XsSink {
        XsConnection connection;
        final Semaphore replies = new Semaphore(0);
        XsMessage read;
        XsMessage write;
        volatile int lastType;

        @Setup(Level.Trial)
        public void open(Servers servers) throws InterruptedException {
            connection = servers.inProcess.connect(ConnectionInfo.dom0("bench"), this);
            String path = "/bench/" + servers.nextId.getAndIncrement();
            write = new XsMessage(XsType.XS_WRITE, 1, 0, XsPayloads.stringThenBytes(path, VALUE));
            read = XsMessage.of(XsType.XS_READ, 2, 0, path);
            connection.receive(write);
            replies.acquire();
            check(lastType, XsType.XS_WRITE);
        }

        @TearDown(Level.Trial)
        public void close() {
            connection.close();
        }

        @Override
        public void send(XsMessage message) {
            lastType = message.type();
            replies.release();
        }

        @Override
        public void close(String reason) {
            throw new IllegalStateException("closed by xenstored: " + reason);
        }

        int batch(XsMessage m) throws InterruptedException {
            for (int i = 0; i < DEPTH; i++) {
                connection.receive(m);
            }
            replies.acquire(DEPTH);
            return lastType;
        }
    }

    static int check(int type, XsType expected) {
        if (type != expected.code()) {
            throw new IllegalStateException("reply type " + XsType.nameOf(type) + " (expected: " + expected + ")");
        }
        return type;
    }

    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public int socketRead(XenstoredClient c) throws IOException {
        return check(c.client.roundTrip(c.reads, DEPTH * c.readReply, c.readReply), XsType.XS_READ);
    }

    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public int socketWrite(XenstoredClient c) throws IOException {
        return check(c.client.roundTrip(c.writes, DEPTH * c.writeReply, c.writeReply), XsType.XS_WRITE);
    }

    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public int echoBaseline(EchoClient c) throws IOException {
        return check(c.client.roundTrip(c.batch, DEPTH * c.messageLength, c.messageLength), XsType.XS_READ);
    }

    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public int inProcessRead(InProcessClient c) throws InterruptedException {
        return check(c.batch(c.read), XsType.XS_READ);
    }

    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public int inProcessWrite(InProcessClient c) throws InterruptedException {
        return check(c.batch(c.write), XsType.XS_WRITE);
    }
}
