package io.xensim.net.protocol;

import static io.xensim.net.protocol.NetRxFlags.*;
import static io.xensim.net.protocol.NetTxFlags.*;
import static io.xensim.net.protocol.NetifStatus.*;
import static io.xensim.net.protocol.XenNetifCtrlHash.*;
import static io.xensim.net.protocol.XenNetifCtrlRequest.*;
import static io.xensim.net.protocol.XenNetifCtrlResponse.*;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFactList;
import io.xensim.xenbus.abi.AbiFactSource;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.SringAbiFacts;
import java.util.List;

/**
 * The netif ABI facts this package relies on, under their names in {@code abi-golden.tsv}: the three rings, every
 * struct's size and field offsets/sizes, and the constants. Values come from the constants the codecs use; field
 * sizes come from the value layouts the codecs read and write them with.
 */
public final class NetifAbiFacts implements AbiFactSource {
    private static final int U8 = (int) Layouts.U8.byteSize();
    private static final int U16 = (int) Layouts.U16.byteSize();
    private static final int U32 = (int) Layouts.U32.byteSize();

    @Override
    public String group() {
        return "netif";
    }

    @Override
    public List<AbiFact> facts() {
        var facts = new AbiFactList()
                .constant("XEN_PAGE_SIZE (1 << XEN_PAGE_SHIFT)", Layouts.XEN_PAGE_SIZE)
                .addAll(SringAbiFacts.of("netif_tx", NetifRing.TX_ENTRY_LENGTH))
                .addAll(SringAbiFacts.of("netif_rx", NetifRing.RX_ENTRY_LENGTH))
                .addAll(SringAbiFacts.of("xen_netif_ctrl", NetifRing.CTRL_ENTRY_LENGTH))
                .addAll(List.of(SringAbiFacts.multiPage("netif_tx", 1, NetifRing.TX_ENTRY_LENGTH, ""),
                        SringAbiFacts.multiPage("netif_rx", 1, NetifRing.RX_ENTRY_LENGTH, "")));
        structs(facts);
        constants(facts);
        return facts.toList();
    }

    private static void structs(AbiFactList facts) {
        String tx = "struct netif_tx_request";
        facts.sizeof(tx, NetifTxRequest.LENGTH)
                .field(tx, "gref", NetifTxRequest.GREF_OFFSET, U32)
                .field(tx, "offset", NetifTxRequest.OFFSET_OFFSET, U16)
                .field(tx, "flags", NetifTxRequest.FLAGS_OFFSET, U16)
                .field(tx, "id", NetifTxRequest.ID_OFFSET, U16)
                .field(tx, "size", NetifTxRequest.SIZE_OFFSET, U16);
        String txRsp = "struct netif_tx_response";
        facts.sizeof(txRsp, NetifTxResponse.LENGTH)
                .field(txRsp, "id", NetifTxResponse.ID_OFFSET, U16)
                .field(txRsp, "status", NetifTxResponse.STATUS_OFFSET, U16);
        String rx = "struct netif_rx_request";
        facts.sizeof(rx, NetifRxRequest.LENGTH)
                .field(rx, "id", NetifRxRequest.ID_OFFSET, U16)
                .field(rx, "pad", NetifRxRequest.PAD_OFFSET, U16)
                .field(rx, "gref", NetifRxRequest.GREF_OFFSET, U32);
        String rxRsp = "struct netif_rx_response";
        facts.sizeof(rxRsp, NetifRxResponse.LENGTH)
                .field(rxRsp, "id", NetifRxResponse.ID_OFFSET, U16)
                .field(rxRsp, "offset", NetifRxResponse.OFFSET_OFFSET, U16)
                .field(rxRsp, "flags", NetifRxResponse.FLAGS_OFFSET, U16)
                .field(rxRsp, "status", NetifRxResponse.STATUS_OFFSET, U16);
        String extra = "struct netif_extra_info";
        facts.sizeof(extra, NetifExtraInfo.LENGTH)
                .field(extra, "type", NetifExtraInfo.TYPE_OFFSET, U8)
                .field(extra, "flags", NetifExtraInfo.FLAGS_OFFSET, U8)
                .field(extra, "u", NetifExtraInfo.U_OFFSET, NetifExtraInfo.U_LENGTH)
                .field(extra, "u.gso", NetifExtraInfo.U_OFFSET, NetifExtraInfo.U_LENGTH)
                .field(extra, "u.gso.size", NetifExtraInfo.GSO_SIZE_OFFSET, U16)
                .field(extra, "u.gso.type", NetifExtraInfo.GSO_TYPE_OFFSET, U8)
                .field(extra, "u.gso.pad", NetifExtraInfo.GSO_PAD_OFFSET, U8)
                .field(extra, "u.gso.features", NetifExtraInfo.GSO_FEATURES_OFFSET, U16)
                .field(extra, "u.mcast", NetifExtraInfo.U_OFFSET, NetifExtraInfo.U_LENGTH)
                .field(extra, "u.mcast.addr", NetifExtraInfo.MCAST_ADDR_OFFSET, NetifExtraInfo.MCAST_ADDR_LENGTH)
                .field(extra, "u.hash", NetifExtraInfo.U_OFFSET, NetifExtraInfo.U_LENGTH)
                .field(extra, "u.hash.type", NetifExtraInfo.HASH_TYPE_OFFSET, U8)
                .field(extra, "u.hash.algorithm", NetifExtraInfo.HASH_ALGORITHM_OFFSET, U8)
                .field(extra, "u.hash.value", NetifExtraInfo.HASH_VALUE_OFFSET, NetifExtraInfo.HASH_VALUE_LENGTH)
                .field(extra, "u.pad", NetifExtraInfo.U_OFFSET, NetifExtraInfo.U_LENGTH);
        String ctrlReq = "struct xen_netif_ctrl_request";
        facts.sizeof(ctrlReq, XenNetifCtrlRequest.LENGTH)
                .field(ctrlReq, "id", XenNetifCtrlRequest.ID_OFFSET, U16)
                .field(ctrlReq, "type", XenNetifCtrlRequest.TYPE_OFFSET, U16)
                .field(ctrlReq, "data", XenNetifCtrlRequest.DATA_OFFSET, XenNetifCtrlRequest.DATA_LENGTH);
        String ctrlRsp = "struct xen_netif_ctrl_response";
        facts.sizeof(ctrlRsp, XenNetifCtrlResponse.LENGTH)
                .field(ctrlRsp, "id", XenNetifCtrlResponse.ID_OFFSET, U16)
                .field(ctrlRsp, "type", XenNetifCtrlResponse.TYPE_OFFSET, U16)
                .field(ctrlRsp, "status", XenNetifCtrlResponse.STATUS_OFFSET, U32)
                .field(ctrlRsp, "data", XenNetifCtrlResponse.DATA_OFFSET, U32);
        String gref = "struct xen_netif_gref";
        facts.sizeof(gref, XenNetifGref.LENGTH)
                .field(gref, "ref", XenNetifGref.REF_OFFSET, U32)
                .field(gref, "flags", XenNetifGref.FLAGS_OFFSET, U16)
                .field(gref, "status", XenNetifGref.STATUS_OFFSET, U16);
    }

    private static void constants(AbiFactList facts) {
        facts.constant("XEN_NETIF_NR_SLOTS_MIN", NetifRing.XEN_NETIF_NR_SLOTS_MIN)
                .constant("XEN_NETIF_MAX_TX_SIZE", NetifRing.XEN_NETIF_MAX_TX_SIZE)
                .constant("_NETTXF_csum_blank", _NETTXF_CSUM_BLANK)
                .constant("NETTXF_csum_blank", NETTXF_CSUM_BLANK)
                .constant("_NETTXF_data_validated", _NETTXF_DATA_VALIDATED)
                .constant("NETTXF_data_validated", NETTXF_DATA_VALIDATED)
                .constant("_NETTXF_more_data", _NETTXF_MORE_DATA)
                .constant("NETTXF_more_data", NETTXF_MORE_DATA)
                .constant("_NETTXF_extra_info", _NETTXF_EXTRA_INFO)
                .constant("NETTXF_extra_info", NETTXF_EXTRA_INFO)
                .constant("_NETRXF_data_validated", _NETRXF_DATA_VALIDATED)
                .constant("NETRXF_data_validated", NETRXF_DATA_VALIDATED)
                .constant("_NETRXF_csum_blank", _NETRXF_CSUM_BLANK)
                .constant("NETRXF_csum_blank", NETRXF_CSUM_BLANK)
                .constant("_NETRXF_more_data", _NETRXF_MORE_DATA)
                .constant("NETRXF_more_data", NETRXF_MORE_DATA)
                .constant("_NETRXF_extra_info", _NETRXF_EXTRA_INFO)
                .constant("NETRXF_extra_info", NETRXF_EXTRA_INFO)
                .constant("_NETRXF_gso_prefix", _NETRXF_GSO_PREFIX)
                .constant("NETRXF_gso_prefix", NETRXF_GSO_PREFIX)
                .constant("XEN_NETIF_EXTRA_TYPE_NONE", NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_NONE)
                .constant("XEN_NETIF_EXTRA_TYPE_GSO", NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_GSO)
                .constant("XEN_NETIF_EXTRA_TYPE_MCAST_ADD", NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_MCAST_ADD)
                .constant("XEN_NETIF_EXTRA_TYPE_MCAST_DEL", NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_MCAST_DEL)
                .constant("XEN_NETIF_EXTRA_TYPE_HASH", NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_HASH)
                .constant("XEN_NETIF_EXTRA_TYPE_MAX", NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_MAX)
                .constant("_XEN_NETIF_EXTRA_FLAG_MORE", NetifExtraInfo._XEN_NETIF_EXTRA_FLAG_MORE)
                .constant("XEN_NETIF_EXTRA_FLAG_MORE", NetifExtraInfo.XEN_NETIF_EXTRA_FLAG_MORE)
                .constant("XEN_NETIF_GSO_TYPE_NONE", NetifExtraInfo.XEN_NETIF_GSO_TYPE_NONE)
                .constant("XEN_NETIF_GSO_TYPE_TCPV4", NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4)
                .constant("XEN_NETIF_GSO_TYPE_TCPV6", NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6)
                .constant("NETIF_RSP_DROPPED", NETIF_RSP_DROPPED)
                .constant("NETIF_RSP_ERROR", NETIF_RSP_ERROR)
                .constant("NETIF_RSP_OKAY", NETIF_RSP_OKAY)
                .constant("NETIF_RSP_NULL", NETIF_RSP_NULL)
                .constant("_XEN_NETIF_CTRL_HASH_TYPE_IPV4", _XEN_NETIF_CTRL_HASH_TYPE_IPV4)
                .constant("XEN_NETIF_CTRL_HASH_TYPE_IPV4", XEN_NETIF_CTRL_HASH_TYPE_IPV4)
                .constant("_XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP", _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP)
                .constant("XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP", XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP)
                .constant("_XEN_NETIF_CTRL_HASH_TYPE_IPV6", _XEN_NETIF_CTRL_HASH_TYPE_IPV6)
                .constant("XEN_NETIF_CTRL_HASH_TYPE_IPV6", XEN_NETIF_CTRL_HASH_TYPE_IPV6)
                .constant("_XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP", _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)
                .constant("XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP", XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)
                .constant("XEN_NETIF_CTRL_HASH_ALGORITHM_NONE", XEN_NETIF_CTRL_HASH_ALGORITHM_NONE)
                .constant("XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ", XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ)
                .constant("XEN_NETIF_CTRL_TYPE_INVALID", XEN_NETIF_CTRL_TYPE_INVALID)
                .constant("XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS", XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS)
                .constant("XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS", XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS)
                .constant("XEN_NETIF_CTRL_TYPE_SET_HASH_KEY", XEN_NETIF_CTRL_TYPE_SET_HASH_KEY)
                .constant("XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE", XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE)
                .constant("XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE", XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE)
                .constant("XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING", XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING)
                .constant("XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM", XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM)
                .constant("XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE", XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE)
                .constant("XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING", XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING)
                .constant("XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING", XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING)
                .constant("XEN_NETIF_CTRL_STATUS_SUCCESS", XEN_NETIF_CTRL_STATUS_SUCCESS)
                .constant("XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED", XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED)
                .constant("XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER", XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER)
                .constant("XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW", XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW)
                .constant("_XEN_NETIF_CTRLF_GREF_readonly", XenNetifGref._XEN_NETIF_CTRLF_GREF_READONLY)
                .constant("XEN_NETIF_CTRLF_GREF_readonly", XenNetifGref.XEN_NETIF_CTRLF_GREF_READONLY);
    }
}
