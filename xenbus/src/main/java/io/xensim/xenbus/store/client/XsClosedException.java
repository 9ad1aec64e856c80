package io.xensim.xenbus.store.client;

/** The client's connection is closed (by {@link XsClient#close()} or by xenstored); the request got no answer. */
public final class XsClosedException extends RuntimeException {
    public XsClosedException(String reason) {
        super(reason);
    }
}
