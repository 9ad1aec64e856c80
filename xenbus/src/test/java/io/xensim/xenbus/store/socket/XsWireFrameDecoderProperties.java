package io.xensim.xenbus.store.socket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The socket codecs: any chunking of a message stream frames to the same messages; encoding is the wire format. */
class XsWireFrameDecoderProperties {
    @Provide
    Arbitrary<XsMessage> messages() {
        return Combinators.combine(Arbitraries.integers().between(0, 30), Arbitraries.integers(),
                        Arbitraries.integers(), Arbitraries.bytes().array(byte[].class).ofMaxSize(600))
                .as(XsMessage::new);
    }

    /** User events seen by the end of the pipeline. */
    private static final class Events extends ChannelInboundHandlerAdapter {
        final List<Object> seen = new ArrayList<>();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            seen.add(evt);
        }
    }

    @Property(tries = 300)
    void anyChunkingFramesTheSameMessages(@ForAll @Size(max = 8) List<@From("messages") XsMessage> messages,
            @ForAll @Size(max = 20) List<@IntRange(min = 1, max = 700) Integer> cuts) {
        var wire = new ByteArrayOutputStream();
        messages.forEach(m -> wire.writeBytes(XsdSockmsg.encode(m)));
        byte[] bytes = wire.toByteArray();

        var ch = new EmbeddedChannel(new XsWireFrameDecoder());
        int at = 0;
        for (int cut : cuts) {
            int n = Math.min(cut, bytes.length - at);
            ch.writeInbound(Unpooled.copiedBuffer(bytes, at, n));
            at += n;
        }
        ch.writeInbound(Unpooled.copiedBuffer(bytes, at, bytes.length - at));

        List<XsMessage> framed = new ArrayList<>();
        for (Object m; (m = ch.readInbound()) != null; ) {
            framed.add((XsMessage) m);
        }
        assertThat(framed).containsExactlyElementsOf(messages);
        assertThat(ch.finish()).isFalse();
    }

    @Property(tries = 200)
    void arbitraryBytesNeverThrowAndAnUnframeableStreamIsOneEvent(@ForAll @Size(max = 2000) byte[] bytes) {
        var events = new Events();
        var ch = new EmbeddedChannel(new XsWireFrameDecoder(), events);
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        assertThat(events.seen).allMatch(e -> e instanceof XsStreamMalformed).hasSizeLessThanOrEqualTo(1);
        ch.finishAndReleaseAll();
    }

    @Property(tries = 200)
    void encoderWritesXsdSockmsgThenPayload(@ForAll("messages") XsMessage message) {
        var ch = new EmbeddedChannel(XsWireEncoder.INSTANCE);
        ch.writeOutbound(message);
        io.netty.buffer.ByteBuf out = ch.readOutbound();
        byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(out);
        out.release();
        assertThat(bytes).isEqualTo(XsdSockmsg.encode(message));
        assertThat(ch.finish()).isFalse();
    }

    @Property(tries = 200)
    void aBatchIsItsMessagesBackToBackInOneBuffer(@ForAll @Size(max = 10) List<@From("messages") XsMessage> batch) {
        var ch = new EmbeddedChannel(XsWireEncoder.INSTANCE);
        ch.writeOutbound(new XsMessageBatch(batch));
        var expected = new ByteArrayOutputStream();
        batch.forEach(m -> expected.writeBytes(XsdSockmsg.encode(m)));
        io.netty.buffer.ByteBuf out = ch.readOutbound();
        byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(out);
        out.release();
        assertThat(bytes).isEqualTo(expected.toByteArray());
        assertThat(ch.finish()).isFalse();
    }
}
