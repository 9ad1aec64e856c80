/**
 * The xenstore wire protocol of {@code xen/io/xs_wire.h}: message types, the 16-byte {@code xsd_sockmsg} header,
 * the {@code xsd_errors} table and a byte-stream framer shared by the Unix-socket and the shared-ring transports.
 *
 * <p>Pure code: no threads, no store state. Bytes from a peer are untrusted and never make these classes throw;
 * they yield {@link io.xensim.xenbus.Decoded.Malformed} values instead.
 */
package io.xensim.xenbus.store.wire;
