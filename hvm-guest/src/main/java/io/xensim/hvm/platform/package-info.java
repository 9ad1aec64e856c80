/**
 * How an HVM guest finds Xen and talks to the device model before any PV driver runs: the emulated x86 I/O-port
 * bus every port access of the guest goes through (each one a VM exit, counted), the CPUID hypervisor leaves and
 * HVM params, the Xen platform PCI device QEMU emulates, and both sides of the emulated-device unplug protocol
 * (docs/misc/hvm-emulated-unplug). The PCI configuration space itself is in {@code platform.pci}.
 */
package io.xensim.hvm.platform;
