package io.xensim.net.frame;

import io.xensim.net.protocol.NetifExtraInfo;

/**
 * The offload state a frame carries beside its bytes, as netif carries it beside the slots: the checksum state of
 * {@code NETTXF_csum_blank}/{@code NETTXF_data_validated} (on rx {@code NETRXF_csum_blank}/
 * {@code NETRXF_data_validated}) and the GSO extra ({@code XEN_NETIF_EXTRA_TYPE_GSO}).
 *
 * <ul>
 *   <li>{@link Checksum#NONE}: the bytes hold complete checksums, or nobody vouched for them
 *       ({@code CHECKSUM_NONE}).</li>
 *   <li>{@link Checksum#PARTIAL}: {@code csum_blank}; the transport checksum field at
 *       {@code csumStart + csumOffset} holds only the folded pseudo-header sum, and whoever needs the bytes complete
 *       sums from {@code csumStart} to the end and stores the result there ({@code CHECKSUM_PARTIAL},
 *       {@link ChecksumOffload#complete}).</li>
 *   <li>{@link Checksum#UNNECESSARY}: {@code data_validated}; the sender checked it ({@code CHECKSUM_UNNECESSARY}).
 *       </li>
 * </ul>
 * {@code gsoType} is {@link NetifExtraInfo#XEN_NETIF_GSO_TYPE_NONE}, {@code _TCPV4} or {@code _TCPV6};
 * {@code gsoSize} the MSS (0 without GSO). A GSO frame is one TCP segment larger than the MTU that a receiver
 * without that GSO type gets cut into MSS-sized segments ({@link TcpSegmentation}).
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> Linux {@code include/linux/skbuff.h} (the {@code CHECKSUM_*} comment),
 * netback's {@code xenvif_tx_submit} and netfront's {@code xennet_start_xmit} for the flag mapping.
 */
public record Offload(Checksum checksum, int csumStart, int csumOffset, int gsoType, int gsoSize) {
    /** No offload: complete checksums, no GSO. */
    public static final Offload NONE = new Offload(Checksum.NONE, 0, 0, NetifExtraInfo.XEN_NETIF_GSO_TYPE_NONE, 0);

    /** The checksum states of a Linux skb that netif can express. */
    public enum Checksum {
        /** {@code CHECKSUM_NONE}. */
        NONE,
        /** {@code CHECKSUM_PARTIAL}: netif's {@code csum_blank}. */
        PARTIAL,
        /** {@code CHECKSUM_UNNECESSARY}: netif's {@code data_validated}. */
        UNNECESSARY
    }

    public Offload {
        if (checksum == null) {
            throw new IllegalArgumentException("checksum: null (expected: a Checksum)");
        }
        if (csumStart < 0 || csumOffset < 0) {
            throw new IllegalArgumentException("csumStart/csumOffset: " + csumStart + "/" + csumOffset
                    + " (expected: >= 0)");
        }
        boolean known = gsoType == NetifExtraInfo.XEN_NETIF_GSO_TYPE_NONE
                || gsoType == NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4
                || gsoType == NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6;
        if (!known || (gsoType == NetifExtraInfo.XEN_NETIF_GSO_TYPE_NONE) != (gsoSize == 0) || gsoSize < 0
                || gsoSize > 0xffff) {
            throw new IllegalArgumentException("gsoType/gsoSize: " + gsoType + "/" + gsoSize
                    + " (expected: NONE/0, or TCPV4 or TCPV6 with 1..65535)");
        }
    }

    /** {@code csum_blank}: the transport checksum at {@code csumStart + csumOffset} is to be completed. */
    public static Offload partial(int csumStart, int csumOffset) {
        return new Offload(Checksum.PARTIAL, csumStart, csumOffset, NetifExtraInfo.XEN_NETIF_GSO_TYPE_NONE, 0);
    }

    /** The same checksum state with GSO of {@code gsoType} and MSS {@code gsoSize}. */
    public Offload withGso(int gsoType, int gsoSize) {
        return new Offload(checksum, csumStart, csumOffset, gsoType, gsoSize);
    }

    public boolean isGso() {
        return gsoType != NetifExtraInfo.XEN_NETIF_GSO_TYPE_NONE;
    }
}
