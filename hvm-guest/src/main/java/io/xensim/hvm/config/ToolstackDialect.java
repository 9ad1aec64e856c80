package io.xensim.hvm.config;

/**
 * Which toolstack reads the domain config. {@link #XL} is xl 4.17 (the default); {@link #XM} is RHEL 5's xend,
 * whose advice the seed followed: xend's image.py gives an HVM guest an emulated NIC only for vifs whose
 * {@code type} is {@code ioemu} (the default), so any other type, {@code netfront} included, means a PV vif alone.
 * xl 4.17 accepts only {@code ioemu} and {@code vif} and keeps the default for anything else.
 */
public enum ToolstackDialect {
    XL, XM
}
