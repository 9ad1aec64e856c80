/**
 * The emulated Realtek RTL8139 NIC an HVM guest gets from the device model for a vif of {@code type=ioemu}: its
 * register file on the emulated PCI bus (I/O BAR0), its DMA into the guest's memory, and its network side on the
 * same dom0 bridge as netback's vifs; the guest's driver for it is in {@code rtl8139.driver}.
 */
package io.xensim.hvm.rtl8139;
