/**
 * Blkback: dom0's end of the PV block device (Linux's xen-blkback), the simulated {@code block} hotplug script
 * that attaches a disk image through a loop device, and the ring worker that serves a frontend's requests against
 * the image.
 */
package io.xensim.blk.back;
