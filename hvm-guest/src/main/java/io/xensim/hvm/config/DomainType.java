package io.xensim.hvm.config;

/** {@code libxl_domain_type}: how the guest is built. This module boots {@link #HVM} guests. */
public enum DomainType {
    HVM, PV, PVH
}
