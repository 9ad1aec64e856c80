package io.xensim.xenbus.bus;

import java.util.Objects;
import java.util.function.Function;

/** A driver for the backend bus whose devices run the backend handshake ({@link BackendDevice}). */
public interface BackendDriver extends XenbusDriver {
    @Override
    BackendDevice probe(XenbusDevice device);

    /** A driver for {@code type} whose devices {@code factory} makes. */
    static BackendDriver of(String type, Function<XenbusDevice, ? extends BackendDevice> factory) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(factory, "factory");
        return new BackendDriver() {
            @Override
            public String type() {
                return type;
            }

            @Override
            public BackendDevice probe(XenbusDevice device) {
                return factory.apply(device);
            }
        };
    }
}
