/**
 * The guest kernel's driver for the emulated RTL8139 (the data path of Linux's 8139too), reaching the card only
 * through port I/O, so that each register access is a counted VM exit; it gives the guest the same
 * {@code GuestNetInterface} netfront does.
 */
package io.xensim.hvm.rtl8139.driver;
