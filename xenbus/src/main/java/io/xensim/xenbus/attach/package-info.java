/**
 * The attach socket: how a process outside the JVM (a C backend or frontend linked against Debian's libxen and
 * started with xensim's {@code LD_PRELOAD} library) acts as one end of a device, with every operation checked as
 * the hypervisor checks a domain's. The wire protocol is docs/attach-protocol.md.
 */
package io.xensim.xenbus.attach;
