/**
 * The xenbus device model: frontends and backends that never call each other but meet in xenstore and move through
 * {@link io.xensim.xenbus.bus.XenbusState}, as Linux's drivers/xen/xenbus does.
 */
package io.xensim.xenbus.bus;
