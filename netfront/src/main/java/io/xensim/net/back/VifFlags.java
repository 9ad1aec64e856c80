package io.xensim.net.back;

import io.xensim.net.protocol.NetFeatures;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.XenbusDeviceException;
import io.xensim.xenbus.bus.XenstoreReader;
import java.util.concurrent.CompletableFuture;

/**
 * What the frontend asked for in its directory, as netback reads it when connecting: rx-copy (required), rx
 * notifications, scatter-gather, GSO and checksum offload. Decides the vif port's offloads on the bridge.
 *
 * <p><b>Threading:</b> an immutable value; {@link #read} completes on the backend domain's executor.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/xenbus.c {@code read_xenbus_vif_flags}
 * ({@code request-rx-copy} absent or 0 is {@code -EOPNOTSUPP}; {@code feature-no-csum-offload} turns IPv4 checksum
 * offload off, {@code feature-ipv6-csum-offload} turns IPv6's on).
 */
public record VifFlags(boolean rxNotify, boolean sg, boolean gsoTcpv4, boolean gsoTcpv6, boolean ipCsum,
                       boolean ipv6Csum) {
    /** Reads the frontend's flags; fails with {@code EOPNOTSUPP} if it did not ask for rx-copy. */
    public static CompletableFuture<VifFlags> read(XenstoreReader frontend) {
        var rxCopy = frontend.readFeature(NetFeatures.REQUEST_RX_COPY);
        var rxNotify = frontend.readFeature(NetFeatures.FEATURE_RX_NOTIFY);
        var sg = frontend.readFeature(NetFeatures.FEATURE_SG);
        var gso4 = frontend.readFeature(NetFeatures.FEATURE_GSO_TCPV4);
        var gso6 = frontend.readFeature(NetFeatures.FEATURE_GSO_TCPV6);
        var noCsum = frontend.readFeature(NetFeatures.FEATURE_NO_CSUM_OFFLOAD);
        var ipv6Csum = frontend.readFeature(NetFeatures.FEATURE_IPV6_CSUM_OFFLOAD);
        return CompletableFuture.allOf(rxCopy, rxNotify, sg, gso4, gso6, noCsum, ipv6Csum).thenApply(v -> {
            if (!rxCopy.join()) {
                throw new XenbusDeviceException(XenErrno.XEN_EOPNOTSUPP, "reading "
                        + frontend.path(NetFeatures.REQUEST_RX_COPY) + ": the frontend must request rx-copy");
            }
            return new VifFlags(rxNotify.join(), sg.join(), gso4.join(), gso6.join(), !noCsum.join(),
                    ipv6Csum.join());
        });
    }
}
