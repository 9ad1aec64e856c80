/** Structured recording of every step of Xen I/O, for the teaching timeline and for tests that check order. */
package io.xensim.xenbus.trace;
