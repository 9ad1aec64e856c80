/**
 * The in-process dom0 toolstack (what libxl is to Xen): creates and destroys domains, introduces them to xenstore,
 * and creates, hot-plugs and hot-unplugs the frontend and backend directories of their devices.
 */
package io.xensim.xenbus.toolstack;
