package io.xensim.hvm.config;

import io.xensim.xenbus.toolstack.DeviceConfig;
import java.util.Objects;
import java.util.Optional;

/**
 * One network interface of a domain config, after xl parsed its spec and libxl filled in the defaults
 * ({@code libxl__device_nic_setdefault}): the MAC (00:16:3e:xx:xx:xx when none was given), the bridge
 * ({@code xenbr0}), the type, the emulated model ({@code rtl8139}), the hotplug script ({@code vif-bridge}), the
 * MTU (1500) and trust (trusted). {@code requestedType} is the last {@code type=} value as the config wrote it,
 * accepted or not, so that the boot log can say what became of, say, {@code type=netfront}.
 *
 * <p>{@link #toDeviceConfig} turns it into the PV vif the toolstack writes to xenstore; whether the device model
 * also gets an emulated NIC is {@link NicType#emulated()}.
 */
public record VifSpec(int devid, String mac, String bridge, NicType type, String model, Optional<String> vifname,
                      String script, Optional<String> ip, Optional<String> backend, Optional<VifRate> rate, int mtu,
                      boolean trusted, Optional<String> requestedType) {
    /** The default emulated NIC model. */
    public static final String DEFAULT_MODEL = "rtl8139";
    /** The default bridge. */
    public static final String DEFAULT_BRIDGE = "xenbr0";

    public VifSpec {
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(bridge, "bridge");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(vifname, "vifname");
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(rate, "rate");
        Objects.requireNonNull(requestedType, "requestedType");
        if (devid < 0) {
            throw new IllegalArgumentException("devid: " + devid + " (expected: >= 0)");
        }
    }

    /** The PV vif as libxl writes it for this spec, for {@code Toolstack.addDevice}. */
    public DeviceConfig toDeviceConfig(int frontendDomid, int backendDomid) {
        return DeviceConfig.vif(frontendDomid, backendDomid, devid, mac, bridge, type.emulated(), trusted, mtu);
    }
}
