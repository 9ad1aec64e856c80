/**
 * A demonstration protocol ("echo") with a frontend and a backend driver, showing the xenbus layer at work until
 * netfront and blkfront exist, and written as the template they copy: a ring of {@code 2^order} pages whose order
 * is negotiated from the backend's {@code max-ring-page-order} (16-byte entries, {@code ring-ref} or
 * {@code ring-ref0..N}), one event channel bound with its handler, data pages from the device's grant pool, and
 * ring.h's recommended loops.
 */
package io.xensim.xenbus.bus.demo;
