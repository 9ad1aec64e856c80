/** The in-process "Xen": the hypervisor that owns every domain's memory, grant table and event channels. */
package io.xensim.xenbus;
