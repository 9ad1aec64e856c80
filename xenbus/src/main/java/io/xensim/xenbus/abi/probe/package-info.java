/**
 * Checks the ABI facts the Java code relies on against the real Xen headers (libxen-dev), by generating a C probe
 * from the fact names and compiling it with gcc.
 */
package io.xensim.xenbus.abi.probe;
