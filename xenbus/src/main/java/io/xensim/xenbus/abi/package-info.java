/** The facts of Xen's public C ABI that the Java code relies on, listed so they can be checked against the headers. */
package io.xensim.xenbus.abi;
