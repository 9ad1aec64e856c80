/**
 * The netif wire format (xen/io/netif.h) shared by netfront and netback: the tx, rx and control ring slots, the
 * extra-info descriptors, the flag and status constants and the vif xenstore keys. Pure codecs: no threads, no
 * hypervisor; the typed records of what each end published ({@link NetbackFeatures}, {@link NetfrontQueues})
 * read xenstore only through the {@link io.xensim.xenbus.bus.XenstoreReader} they are handed.
 */
package io.xensim.net.protocol;
