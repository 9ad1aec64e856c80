/**
 * The backend domain's software switch: a learning Ethernet bridge per name ({@code xenbr0} by default, the vif's
 * {@code bridge} key) to which netback vifs and the emulated NICs of HVM guests attach as ports, as Linux's
 * bridge joins {@code vifN.M} interfaces in dom0.
 */
package io.xensim.net.bridge;
