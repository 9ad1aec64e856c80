/**
 * The HVM guest of the seed: a guest kernel that boots from a command line and an xl domain config, finds Xen
 * (CPUID leaves, the Xen platform PCI device), unplugs or keeps its emulated devices, and binds netfront and
 * blkfront or stays on the emulated RTL8139 and IDE disk. Packages: {@code cmdline} (the kernel command line and
 * guest profiles), {@code config} (xl.cfg and its vif/disk specs), {@code platform} (Xen detection, the platform
 * PCI device, the unplug protocol), {@code rtl8139} and {@code ide} (the emulated devices), {@code boot}.
 */
package io.xensim.hvm;
