package io.xensim.hvm.config;

/** {@code libxl_disk_backend}: which backend implementation serves a disk ({@code backendtype=}). */
public enum DiskBackendType {
    PHY, TAP, QDISK, STANDALONE
}
