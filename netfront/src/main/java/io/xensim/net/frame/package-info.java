/**
 * The Ethernet frames that travel between netback, the bridge, pcap capture and a simulated guest's network
 * interface: {@link io.xensim.net.frame.Frame} (bytes plus the offload metadata netif.h carries in
 * {@code NETTXF_csum_blank}/{@code NETTXF_data_validated} and the GSO extra), codecs for Ethernet, ARP, IPv4, IPv6,
 * ICMP, UDP and TCP headers, the internet checksum, checksum completion and software TCP segmentation. Pure: no
 * threads, no xenstore, no hypervisor.
 */
package io.xensim.net.frame;
