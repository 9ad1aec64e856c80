package io.xensim.xenbus.store.server;

/**
 * A snapshot of xenstored's live objects, for clean-up checks at the end of tests ({@code assertCleanedUp()}) and
 * for the CLI.
 *
 * @param connections  registered connections
 * @param watches      watches over all connections
 * @param transactions open transactions over all connections
 * @param nodes        nodes in the store, the root included
 */
public record XenstoredStats(int connections, int watches, int transactions, int nodes) {
}
