package io.xensim.net.protocol;

/**
 * The {@code flags} bits of a {@link NetifRxResponse} ({@code NETRXF_*}, xen/io/netif.h). The C names keep a
 * lower-case suffix ({@code NETRXF_data_validated}); here it is upper case. The {@code _NETRXF_*} constants are the
 * bit numbers, the {@code NETRXF_*} ones the masks.
 *
 * <p>Note that the first two bits are swapped with respect to {@link NetTxFlags}.
 */
public final class NetRxFlags {
    /** {@code _NETRXF_data_validated}. */
    public static final int _NETRXF_DATA_VALIDATED = 0;
    /** {@code NETRXF_data_validated}: the data has been validated against its protocol checksum. */
    public static final int NETRXF_DATA_VALIDATED = 1 << _NETRXF_DATA_VALIDATED;
    /** {@code _NETRXF_csum_blank}. */
    public static final int _NETRXF_CSUM_BLANK = 1;
    /** {@code NETRXF_csum_blank}: the L4 checksum field is blank (the packet came from an offloading sender). */
    public static final int NETRXF_CSUM_BLANK = 1 << _NETRXF_CSUM_BLANK;
    /** {@code _NETRXF_more_data}. */
    public static final int _NETRXF_MORE_DATA = 2;
    /** {@code NETRXF_more_data}: another data response of the same packet follows. */
    public static final int NETRXF_MORE_DATA = 1 << _NETRXF_MORE_DATA;
    /** {@code _NETRXF_extra_info}. */
    public static final int _NETRXF_EXTRA_INFO = 3;
    /** {@code NETRXF_extra_info}: one or more {@link NetifExtraInfo} slots follow this (first) response. */
    public static final int NETRXF_EXTRA_INFO = 1 << _NETRXF_EXTRA_INFO;
    /** {@code _NETRXF_gso_prefix}. */
    public static final int _NETRXF_GSO_PREFIX = 4;
    /** {@code NETRXF_gso_prefix}: legacy GSO prefix slot; deprecated, never sent by xensim. */
    public static final int NETRXF_GSO_PREFIX = 1 << _NETRXF_GSO_PREFIX;

    private NetRxFlags() {
    }
}
