package io.xensim.net.protocol;

/**
 * The {@code flags} bits of a {@link NetifTxRequest} ({@code NETTXF_*}, xen/io/netif.h). The C names keep a
 * lower-case suffix ({@code NETTXF_csum_blank}); here it is upper case. The {@code _NETTXF_*} constants are the bit
 * numbers, the {@code NETTXF_*} ones the masks.
 *
 * <p>Note that the first two bits are swapped with respect to {@link NetRxFlags}.
 */
public final class NetTxFlags {
    /** {@code _NETTXF_csum_blank}. */
    public static final int _NETTXF_CSUM_BLANK = 0;
    /** {@code NETTXF_csum_blank}: the L4 checksum field is not filled in (checksum offload requested). */
    public static final int NETTXF_CSUM_BLANK = 1 << _NETTXF_CSUM_BLANK;
    /** {@code _NETTXF_data_validated}. */
    public static final int _NETTXF_DATA_VALIDATED = 1;
    /** {@code NETTXF_data_validated}: the data is known to be good (checksum verified or not needed). */
    public static final int NETTXF_DATA_VALIDATED = 1 << _NETTXF_DATA_VALIDATED;
    /** {@code _NETTXF_more_data}. */
    public static final int _NETTXF_MORE_DATA = 2;
    /** {@code NETTXF_more_data}: another data request of the same packet follows. */
    public static final int NETTXF_MORE_DATA = 1 << _NETTXF_MORE_DATA;
    /** {@code _NETTXF_extra_info}. */
    public static final int _NETTXF_EXTRA_INFO = 3;
    /** {@code NETTXF_extra_info}: one or more {@link NetifExtraInfo} slots follow this (first) request. */
    public static final int NETTXF_EXTRA_INFO = 1 << _NETTXF_EXTRA_INFO;

    private NetTxFlags() {
    }
}
