/**
 * The blkif wire format (xen/io/blkif.h) shared by blkfront and blkback: the request slot and its discard and
 * indirect overlays, segments, responses, opcodes and statuses, the ring geometry and the vbd xenstore keys. Pure
 * codecs: no threads, no xenstore, no hypervisor.
 */
package io.xensim.blk.protocol;
