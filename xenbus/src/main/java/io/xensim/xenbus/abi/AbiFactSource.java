package io.xensim.xenbus.abi;

import java.util.List;

/**
 * A module's list of the ABI facts its code relies on, found with {@link java.util.ServiceLoader}.
 *
 * <p>Each protocol package that lays out Xen structures registers one implementation in
 * {@code META-INF/services/io.xensim.xenbus.abi.AbiFactSource}. The values must come from the Java constants the
 * code actually uses (e.g. {@code NetifTxRequest.LENGTH}), never be typed in again, so that the check against the
 * real headers checks the code.
 */
public interface AbiFactSource {
    /** A short name for the group of facts, e.g. {@code "ring"} or {@code "netif"}. */
    String group();

    List<AbiFact> facts();
}
