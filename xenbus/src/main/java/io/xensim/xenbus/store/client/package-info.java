/**
 * The in-process xenstore client that simulated frontends, backends and the toolstack use, speaking the wire
 * protocol to {@link io.xensim.xenbus.store.server.Xenstored} through a real connection, as Linux's xenbus driver
 * and libxenstore do over the ring and the socket.
 */
package io.xensim.xenbus.store.client;
