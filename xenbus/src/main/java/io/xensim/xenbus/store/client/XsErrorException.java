package io.xensim.xenbus.store.client;

import io.xensim.xenbus.store.wire.XsError;
import java.util.Optional;

/**
 * Xenstored answered a request with {@code XS_ERROR}: {@link #errorName()} is the errno name it sent
 * ({@code "ENOENT"}, {@code "EAGAIN"}, …). Completes the request's future exceptionally.
 */
public final class XsErrorException extends RuntimeException {
    private final String errorName;

    public XsErrorException(String errorName, String request) {
        super(errorName + " on " + request);
        this.errorName = errorName;
    }

    /** The name as sent on the wire. */
    public String errorName() {
        return errorName;
    }

    /** The {@code xsd_errors} entry, if the name is one of them. */
    public Optional<XsError> error() {
        return XsError.fromErrstring(errorName);
    }

    public boolean is(XsError error) {
        return errorName.equals(error.name());
    }
}
