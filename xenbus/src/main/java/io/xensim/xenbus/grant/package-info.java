/** Grant tables (version 1): how a domain shares its frames with a peer, and the hypervisor's map, unmap and copy. */
package io.xensim.xenbus.grant;
