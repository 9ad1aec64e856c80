/**
 * The blkif wire format (xen/io/blkif.h) shared by blkfront and blkback: the request slot and its discard and
 * indirect overlays, segments, responses, opcodes and statuses, the ring geometry and the vbd xenstore keys. Pure
 * codecs: no threads, no hypervisor; the typed records of what each end published ({@link BlkbackFeatures},
 * {@link BlkfrontRings}) read xenstore only through the {@link io.xensim.xenbus.bus.XenstoreReader} they are
 * handed.
 */
package io.xensim.blk.protocol;
