/**
 * xenstored's Unix domain socket ({@code /var/run/xenstored/socket} in Xen): the Netty adapters through which dom0
 * tools such as {@code xenstore-ls} and pyxs reach {@link io.xensim.xenbus.store.server.Xenstored}, as privileged
 * connections.
 *
 * <p>Codecs ({@link io.xensim.xenbus.store.socket.XsWireFrameDecoder}, {@link io.xensim.xenbus.store.socket.XsWireEncoder})
 * are kept apart from the transport ({@link io.xensim.xenbus.store.socket.XenstoredSocketServer}) and the bridge to
 * xenstored ({@link io.xensim.xenbus.store.socket.XenstoredChannelHandler}), Netty style. A socket's connections
 * may act as a guest instead of dom0 ({@link io.xensim.xenbus.store.socket.XenstoredSocketOptions}), and a
 * xenstored that is stepped by hand inside a running host is served through
 * {@link io.xensim.xenbus.store.socket.XenstoredStepper}.
 */
package io.xensim.xenbus.store.socket;
