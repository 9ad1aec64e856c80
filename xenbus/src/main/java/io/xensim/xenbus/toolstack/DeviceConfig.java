package io.xensim.xenbus.toolstack;

import io.xensim.xenbus.bus.XenbusPaths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A device as the toolstack creates it: its type, both domains, its id, and the per-type keys of each end. The
 * common keys ({@code backend}, {@code backend-id}, {@code frontend}, {@code frontend-id}, {@code state},
 * {@code online}) are added by {@link Toolstack#addDevice}.
 *
 * <p><b>Reference:</b> libxl's libxl_nic.c and libxl_disk.c ({@code set_xenstore_config}), which fill the front
 * and back entries handed to {@code libxl__device_generic_add()}.
 */
public record DeviceConfig(String type, int frontendDomid, int backendDomid, int devid,
                           Map<String, String> frontendKeys, Map<String, String> backendKeys) {
    public DeviceConfig {
        Objects.requireNonNull(type, "type");
        if (type.isEmpty() || type.contains("/")) {
            throw new IllegalArgumentException("type: \"" + type + "\" (expected: one path component)");
        }
        if (devid < 0) {
            throw new IllegalArgumentException("devid: " + devid + " (expected: >= 0)");
        }
        frontendKeys = Map.copyOf(frontendKeys);
        backendKeys = Map.copyOf(backendKeys);
    }

    /** A device of any type with only the common keys and {@code handle}. */
    public static DeviceConfig of(String type, int frontendDomid, int backendDomid, int devid) {
        return new DeviceConfig(type, frontendDomid, backendDomid, devid,
                Map.of("handle", Integer.toString(devid)), Map.of("handle", Integer.toString(devid)));
    }

    /** A network interface as libxl writes it: {@code mac} on both ends, {@code bridge}, {@code script} … */
    public static DeviceConfig vif(int frontendDomid, int backendDomid, int devid, String mac, String bridge) {
        Map<String, String> front = new LinkedHashMap<>();
        front.put("handle", Integer.toString(devid));
        front.put("mac", mac);
        Map<String, String> back = new LinkedHashMap<>();
        back.put("handle", Integer.toString(devid));
        back.put("mac", mac);
        back.put("bridge", bridge);
        back.put("script", "/etc/xen/scripts/vif-bridge");
        back.put("type", "vif");
        return new DeviceConfig("vif", frontendDomid, backendDomid, devid, front, back);
    }

    /**
     * A virtual block device as libxl writes it. {@code devid} is the encoded {@code virtual-device} number
     * (51712 for {@code xvda}); {@code params} is the image path, {@code format} the backend type ({@code phy},
     * {@code file}, {@code qdisk}), {@code writable} gives {@code mode} {@code w} or {@code r}.
     */
    public static DeviceConfig vbd(int frontendDomid, int backendDomid, int devid, String dev, String params,
            String format, boolean writable) {
        Map<String, String> front = new LinkedHashMap<>();
        front.put("virtual-device", Integer.toString(devid));
        front.put("device-type", "disk");
        Map<String, String> back = new LinkedHashMap<>();
        back.put("params", params);
        back.put("type", format);
        back.put("mode", writable ? "w" : "r");
        back.put("dev", dev);
        back.put("device-type", "disk");
        back.put("removable", "0");
        back.put("bootable", "1");
        return new DeviceConfig("vbd", frontendDomid, backendDomid, devid, front, back);
    }

    public String frontendPath() {
        return XenbusPaths.frontendPath(frontendDomid, type, devid);
    }

    public String backendPath() {
        return XenbusPaths.backendPath(backendDomid, type, frontendDomid, devid);
    }

    /** {@code vif/1/0}: type, frontend domid, device id. */
    public String key() {
        return type + "/" + frontendDomid + "/" + devid;
    }
}
