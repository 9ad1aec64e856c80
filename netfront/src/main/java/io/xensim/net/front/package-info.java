/** netfront: the guest's end of a Xen PV network interface (vif), as Linux's xen-netfront drives it. */
package io.xensim.net.front;
