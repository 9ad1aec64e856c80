/**
 * Packet capture in the backend domain: writes the frames crossing a bridge or a port to a classic libpcap file
 * (LINKTYPE_ETHERNET) that tcpdump, tshark and Wireshark read, as {@code tcpdump -i vifN.M -w} does in dom0.
 */
package io.xensim.net.pcap;
