/**
 * xenstored's Unix domain socket ({@code /var/run/xenstored/socket} in Xen): the Netty adapters through which dom0
 * tools such as {@code xenstore-ls} and pyxs reach {@link io.xensim.xenbus.store.server.Xenstored}, as privileged
 * connections.
 *
 * <p>Codecs ({@link io.xensim.xenbus.store.socket.XsWireFrameDecoder}, {@link io.xensim.xenbus.store.socket.XsWireEncoder})
 * are kept apart from the transport ({@link io.xensim.xenbus.store.socket.XenstoredSocketServer}) and the bridge to
 * xenstored ({@link io.xensim.xenbus.store.socket.XenstoredChannelHandler}), Netty style.
 */
package io.xensim.xenbus.store.socket;
