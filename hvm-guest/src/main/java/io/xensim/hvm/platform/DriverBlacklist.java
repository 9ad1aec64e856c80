package io.xensim.hvm.platform;

import java.util.Set;

/**
 * The host's verdict on a guest's PV drivers: a build is blacklisted if {@code /mh/driver-blacklist/<product>/<build>}
 * exists in xenstore (build in decimal). Consulted by the platform device when the guest writes its build number;
 * a blacklisted guest then reads the magic as 0xd249 and keeps its emulated devices. Off ({@link #OFF}) by
 * default, as in qemu-xen, which dropped the check; qemu-xen-traditional made it.
 *
 * <p>The lookup is synchronous because the port write that triggers it is: an implementation over xenstore keeps
 * a copy of the subtree up to date from a watch ({@link XenstoreDriverBlacklist}).
 *
 * <p><b>Threading:</b> called on the guest vCPU's thread.
 *
 * <p><b>Reference:</b> docs/misc/hvm-emulated-unplug (the blacklist paragraph).
 */
@FunctionalInterface
public interface DriverBlacklist {
    /** The xenstore directory of the blacklist. */
    String ROOT = "/mh/driver-blacklist";

    boolean isBlacklisted(String product, long build);

    /** No blacklist: qemu-xen's behaviour. */
    DriverBlacklist OFF = (product, build) -> false;

    /** The xenstore path that blacklists {@code build} of {@code product}. */
    static String path(String product, long build) {
        return ROOT + "/" + product + "/" + build;
    }

    /** A fixed blacklist: the given {@link #path} strings exist. */
    static DriverBlacklist of(Set<String> paths) {
        Set<String> copy = Set.copyOf(paths);
        return (product, build) -> copy.contains(path(product, build));
    }
}
