/**
 * The emulated PCI bus of an HVM guest (QEMU's i440FX host bridge as Xen's device model runs it): type-0
 * configuration spaces, configuration mechanism #1 on ports 0xcf8/0xcfc, I/O BARs decoded onto the guest's
 * {@link io.xensim.hvm.platform.IoPortBus}, hvmloader's BAR assignment and the guest kernel's scan.
 */
package io.xensim.hvm.platform.pci;
