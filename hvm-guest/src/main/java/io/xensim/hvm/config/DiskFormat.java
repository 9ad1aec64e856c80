package io.xensim.hvm.config;

/** {@code libxl_disk_format}: the image format of a disk's target. */
public enum DiskFormat {
    RAW, QCOW, QCOW2, VHD, EMPTY, QED
}
