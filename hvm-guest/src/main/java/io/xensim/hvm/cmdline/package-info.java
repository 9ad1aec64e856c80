/**
 * The HVM guest kernel's command line as Linux splits it ({@code next_arg}), and what a guest profile (the seed's
 * RHEL 6.0 kernel, or an upstream Linux 6.1 kernel) makes of it: whether Xen PV-on-HVM set-up runs, which emulated
 * devices it asks the device model to unplug, and the boot failures a parameter can cause.
 */
package io.xensim.hvm.cmdline;
