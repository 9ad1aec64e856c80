/**
 * Xen's generic shared rings (xen/io/ring.h): the sring page layout, ring sizes, and the front and back ends'
 * RING_* operations over guest memory, on which every split driver's request/response traffic travels.
 */
package io.xensim.xenbus.ring;
