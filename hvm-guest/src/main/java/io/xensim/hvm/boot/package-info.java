/**
 * An HVM guest's boot as xl and a Linux guest kernel do it together: the toolstack builds the domain and its device
 * model from an xl config, the guest finds Xen, runs the unplug protocol, starts xenbus and binds netfront/blkfront
 * where its command line allows, and ends up with the network interfaces and block devices (PV or emulated) that
 * scenarios then use through {@link io.xensim.hvm.boot.BootedGuest}.
 */
package io.xensim.hvm.boot;
