/**
 * The xenbus device model: frontends and backends that never call each other but meet in xenstore and move through
 * {@link io.xensim.xenbus.bus.XenbusState}, as Linux's drivers/xen/xenbus does; drivers read the other end as they
 * go ({@link io.xensim.xenbus.bus.XenstoreReader}) and hold their rings, grants, ports and watches through their
 * {@link io.xensim.xenbus.bus.XenbusDevice}, which gives back what is left when the device goes.
 */
package io.xensim.xenbus.bus;
