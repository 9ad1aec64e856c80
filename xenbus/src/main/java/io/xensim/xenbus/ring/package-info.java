/** Xen's generic shared rings (xen/io/ring.h): the sring page layout and the front and back ends' RING_* operations. */
package io.xensim.xenbus.ring;
