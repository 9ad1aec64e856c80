/** Event channels: the one-bit doorbells between domains, with pending and mask bits and per-domain upcalls. */
package io.xensim.xenbus.event;
