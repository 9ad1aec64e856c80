package io.xensim.xenbus.bus;

import java.util.Objects;
import java.util.function.Function;

/** A driver for the frontend bus whose devices run the frontend handshake ({@link FrontendDevice}). */
public interface FrontendDriver extends XenbusDriver {
    @Override
    FrontendDevice probe(XenbusDevice device);

    /** A driver for {@code type} whose devices {@code factory} makes. */
    static FrontendDriver of(String type, Function<XenbusDevice, ? extends FrontendDevice> factory) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(factory, "factory");
        return new FrontendDriver() {
            @Override
            public String type() {
                return type;
            }

            @Override
            public FrontendDevice probe(XenbusDevice device) {
                return factory.apply(device);
            }
        };
    }
}
