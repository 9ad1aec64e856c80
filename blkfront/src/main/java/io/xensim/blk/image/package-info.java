/**
 * Disk images behind blkback: what a {@code phy}/{@code file} backend reads and writes when a guest's blkfront
 * sends a request. {@link io.xensim.blk.image.BlockImage} is the one interface blkback uses; implementations
 * are an in-memory image for tests, a raw file (sparse or preallocated) reached through
 * {@link java.nio.channels.FileChannel}, with QEMU-style exclusive locking of read-write opens, and a qcow2 image
 * ({@link io.xensim.blk.image.Qcow2Image}, what QEMU's qdisk backend serves) under the same lock.
 */
package io.xensim.blk.image;
