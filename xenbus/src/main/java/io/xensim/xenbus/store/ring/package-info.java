/**
 * The xenstore ring: the {@code xenstore_domain_interface} page in a guest's memory through which the guest's
 * xenbus driver and xenstored exchange the same wire bytes as on the socket, signalled by an event channel.
 * Both ends live here, as in MirageOS and ocaml-vchan: {@link io.xensim.xenbus.store.ring.XenstoreRingServer}
 * (xenstored's end for every introduced guest) and {@link io.xensim.xenbus.store.ring.XenstoreRingFrontend} (the
 * guest's end, under an {@link io.xensim.xenbus.store.client.XsClient}).
 */
package io.xensim.xenbus.store.ring;
