package io.xensim.net.back;

/**
 * Which optional features netback offers a frontend in its probe keys. Linux 6.1 netback always offers
 * {@code feature-sg}, {@code feature-gso-tcpv4}, {@code feature-gso-tcpv6} and {@code feature-ipv6-csum-offload}
 * as 1, and {@code feature-split-event-channels} as its {@code separate_tx_rx_irq} module parameter (default on);
 * withholding one is how a test or a scenario gets a backend that lacks it (an older kernel, a BSD or
 * Windows backend), so that the frontend's fallbacks run against the real backend. A withheld key is written as 0,
 * as {@code netback_probe} writes the value of its condition.
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/xenbus.c ({@code netback_probe}),
 * netback.c ({@code separate_tx_rx_irq}).
 *
 * @param sg                 {@code feature-sg}
 * @param gsoTcpv4           {@code feature-gso-tcpv4}
 * @param gsoTcpv6           {@code feature-gso-tcpv6}
 * @param ipv6CsumOffload    {@code feature-ipv6-csum-offload}
 * @param splitEventChannels {@code feature-split-event-channels} ({@code separate_tx_rx_irq})
 */
public record NetbackOffer(boolean sg, boolean gsoTcpv4, boolean gsoTcpv6, boolean ipv6CsumOffload,
                           boolean splitEventChannels) {
    /** What Linux 6.1 netback offers with its default module parameters. */
    public static final NetbackOffer LINUX = new NetbackOffer(true, true, true, true, true);

    public NetbackOffer withSg(boolean v) {
        return new NetbackOffer(v, gsoTcpv4, gsoTcpv6, ipv6CsumOffload, splitEventChannels);
    }

    public NetbackOffer withGsoTcpv4(boolean v) {
        return new NetbackOffer(sg, v, gsoTcpv6, ipv6CsumOffload, splitEventChannels);
    }

    public NetbackOffer withGsoTcpv6(boolean v) {
        return new NetbackOffer(sg, gsoTcpv4, v, ipv6CsumOffload, splitEventChannels);
    }

    public NetbackOffer withIpv6CsumOffload(boolean v) {
        return new NetbackOffer(sg, gsoTcpv4, gsoTcpv6, v, splitEventChannels);
    }

    public NetbackOffer withSplitEventChannels(boolean v) {
        return new NetbackOffer(sg, gsoTcpv4, gsoTcpv6, ipv6CsumOffload, v);
    }
}
