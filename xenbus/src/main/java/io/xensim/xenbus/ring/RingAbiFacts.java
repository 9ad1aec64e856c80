package io.xensim.xenbus.ring;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFactSource;
import java.util.List;

/**
 * The ring.h facts that do not depend on a protocol's entry layout, from the constants {@link FrontRing} and
 * {@link BackRing} use. Per-protocol sring sizes ({@code __CONST_RING_SIZE(netif_tx, 4096)} and so on) are listed
 * by the protocol modules, which own the entry sizes.
 */
public final class RingAbiFacts implements AbiFactSource {
    @Override
    public String group() {
        return "ring";
    }

    @Override
    public List<AbiFact> facts() {
        return List.of(
                AbiFact.of("sizeof(RING_IDX)", SringDescriptor.RING_IDX_LENGTH),
                AbiFact.of("XEN_FLEX_RING_SIZE(0)", RingSize.xenFlexRingSize(0)),
                AbiFact.of("XEN_FLEX_RING_SIZE(1)", RingSize.xenFlexRingSize(1)));
    }
}
