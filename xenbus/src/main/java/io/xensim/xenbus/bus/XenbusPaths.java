package io.xensim.xenbus.bus;

import java.util.Optional;

/**
 * The xenstore paths of the device model (docs/misc/xenstore-paths): a frontend lives at
 * {@code /local/domain/<domid>/device/<type>/<devid>}, its backend at
 * {@code /local/domain/<backend-domid>/backend/<type>/<frontend-domid>/<devid>}.
 */
public final class XenbusPaths {
    private XenbusPaths() {
    }

    public static String domainPath(int domid) {
        return "/local/domain/" + domid;
    }

    /** {@code /local/domain/<domid>/device/<type>}: what a frontend bus watches for one driver. */
    public static String frontendTypeDir(int domid, String type) {
        return domainPath(domid) + "/device/" + type;
    }

    /** {@code /local/domain/<backend-domid>/backend/<type>}: what a backend bus watches for one driver. */
    public static String backendTypeDir(int backendDomid, String type) {
        return domainPath(backendDomid) + "/backend/" + type;
    }

    public static String frontendPath(int domid, String type, int devid) {
        return frontendTypeDir(domid, type) + "/" + devid;
    }

    public static String backendPath(int backendDomid, String type, int frontendDomid, int devid) {
        return backendTypeDir(backendDomid, type) + "/" + frontendDomid + "/" + devid;
    }

    /**
     * The label of the device a path belongs to, as the trace shows it: {@code vif/0} for a frontend path,
     * {@code vif/1/0} (type, frontend domid, devid) for a backend path, empty for any other path.
     */
    public static String deviceLabel(String path) {
        String[] p = path.split("/");
        // "", "local", "domain", <domid>, "device"|"backend", <type>, ...
        if (p.length >= 7 && p[1].equals("local") && p[2].equals("domain")) {
            if (p[4].equals("device")) {
                return p[5] + "/" + p[6];
            }
            if (p[4].equals("backend") && p.length >= 8) {
                return p[5] + "/" + p[6] + "/" + p[7];
            }
        }
        return "";
    }

    /**
     * The device directory that {@code path} lies in or under, given the watched type directory and how many path
     * components name a device below it (1 for {@code <devid>}, 2 for {@code <frontend-domid>/<devid>}).
     */
    static Optional<String> deviceDirUnder(String typeDir, String path, int depth) {
        if (!path.startsWith(typeDir + "/")) {
            return Optional.empty();
        }
        String[] rest = path.substring(typeDir.length() + 1).split("/");
        if (rest.length < depth) {
            return Optional.empty();
        }
        StringBuilder dir = new StringBuilder(typeDir);
        for (int i = 0; i < depth; i++) {
            if (rest[i].isEmpty()) {
                return Optional.empty();
            }
            dir.append('/').append(rest[i]);
        }
        return Optional.of(dir.toString());
    }

    /** The last component of a path. */
    static String lastComponent(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
