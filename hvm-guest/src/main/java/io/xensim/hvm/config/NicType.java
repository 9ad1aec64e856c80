package io.xensim.hvm.config;

/**
 * A vif's {@code type} ({@code libxl_nic_type}): {@code vif_ioemu} gives an HVM guest an emulated NIC (QEMU's
 * RTL8139 by default) and a PV vif with the same MAC; {@code vif} is the PV vif alone. The name is also the
 * backend's {@code type} key.
 */
public enum NicType {
    VIF_IOEMU("vif_ioemu"), VIF("vif");

    private final String backendType;

    NicType(String backendType) {
        this.backendType = backendType;
    }

    /** The backend {@code type} key libxl writes. */
    public String backendType() {
        return backendType;
    }

    /** Whether the device model also gets an emulated NIC for this vif. */
    public boolean emulated() {
        return this == VIF_IOEMU;
    }
}
