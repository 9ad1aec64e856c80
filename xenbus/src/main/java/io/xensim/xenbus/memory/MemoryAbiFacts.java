package io.xensim.xenbus.memory;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFactSource;
import java.util.List;

/** The page-size facts {@link Layouts} holds, checked by {@code xensim abi --check} against xen/io/ring.h. */
public final class MemoryAbiFacts implements AbiFactSource {
    @Override
    public String group() {
        return "memory";
    }

    @Override
    public List<AbiFact> facts() {
        return List.of(
                AbiFact.of("XEN_PAGE_SHIFT", Layouts.XEN_PAGE_SHIFT),
                AbiFact.of("XEN_PAGE_SIZE (1 << XEN_PAGE_SHIFT)", Layouts.XEN_PAGE_SIZE));
    }
}
