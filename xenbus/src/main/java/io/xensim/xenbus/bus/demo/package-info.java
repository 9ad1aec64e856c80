/**
 * A demonstration protocol ("echo") with a frontend and a backend driver, showing the xenbus layer at work until
 * netfront and blkfront exist: one shared ring page with 16-byte entries, one grant, one event channel.
 */
package io.xensim.xenbus.bus.demo;
