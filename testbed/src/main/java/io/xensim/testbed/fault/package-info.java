/**
 * Fault injection against the built-in peers: each {@link io.xensim.testbed.fault.Fault} builds a fresh connected
 * pair ({@link io.xensim.testbed.fault.BlkPair}: the real blkfront and blkback, INVOKER mode), injects one fault
 * (a backend killed and restarted, an event-channel notification dropped through
 * {@link io.xensim.xenbus.event.SendFilter}, a ring consumer stalled, a response corrupted in the shared page) and
 * checks the outcome it wrote down beforehand. {@code xensim conformance} runs {@link io.xensim.testbed.fault.Faults#all()}.
 */
package io.xensim.testbed.fault;
