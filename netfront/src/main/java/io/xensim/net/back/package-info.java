/**
 * Netback: dom0's end of the PV network device (Linux's xen-netback), its {@code vif-bridge} hotplug step, and
 * the vif ports it attaches to the software bridge.
 */
package io.xensim.net.back;
