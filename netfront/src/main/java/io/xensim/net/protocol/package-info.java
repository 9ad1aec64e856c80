/**
 * The netif wire format (xen/io/netif.h) shared by netfront and netback: the tx, rx and control ring slots, the
 * extra-info descriptors, the flag and status constants and the vif xenstore keys. Pure codecs: no threads, no
 * xenstore, no hypervisor.
 */
package io.xensim.net.protocol;
