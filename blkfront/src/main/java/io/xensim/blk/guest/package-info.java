/** What a simulated guest's block layer sees of a disk, whether blkfront (a Xen PV vbd) or an emulated one: its {@code /dev/xvda}. */
package io.xensim.blk.guest;
