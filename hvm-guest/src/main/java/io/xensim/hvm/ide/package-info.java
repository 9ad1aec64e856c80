/**
 * The emulated IDE disk an HVM guest boots with before (or instead of) blkfront: QEMU's PIIX IDE controller with
 * its two legacy channels of task-file registers over the same {@code BlockImage} backends blkback serves, the
 * drives the Xen platform device's unplug takes away, and a guest-side ATA PIO driver that reaches the disk one
 * counted port access (VM exit) at a time.
 */
package io.xensim.hvm.ide;
