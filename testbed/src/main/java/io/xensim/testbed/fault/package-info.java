/**
 * Fault injection against the built-in peers: each {@link io.xensim.testbed.fault.Fault} builds a fresh connected
 * pair ({@link io.xensim.testbed.fault.BlkPair}: the real blkfront and blkback;
 * {@link io.xensim.testbed.fault.VifPair}: two guests' real netfront on netback's bridge; both on one {@link io.xensim.testbed.fault.FaultHost}, INVOKER
 * mode), injects one fault (a backend killed and restarted, an event-channel notification dropped or delayed
 * through {@link io.xensim.xenbus.event.SendFilter}, a ring consumer stalled, a response corrupted in the shared
 * page, a grant ended early, a device hot-unplugged mid-I/O) and checks the outcome it wrote down beforehand.
 * {@code xensim conformance} runs {@link io.xensim.testbed.fault.Faults#all()}.
 */
package io.xensim.testbed.fault;
