/**
 * xensim's xenstored: the store tree, permissions, transactions, watches and quotas of Xen 4.17's C
 * {@code xenstored}, served to connections that transports (Unix socket, xenstore ring) and in-process clients
 * attach with {@link io.xensim.xenbus.store.server.Xenstored#connect}.
 */
package io.xensim.xenbus.store.server;
