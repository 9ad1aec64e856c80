/** blkfront: the guest's end of a Xen PV block device (vbd), as Linux's xen-blkfront drives it. */
package io.xensim.blk.front;
