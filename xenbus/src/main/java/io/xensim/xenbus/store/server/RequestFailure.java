package io.xensim.xenbus.store.server;

import io.xensim.xenbus.store.wire.XsError;

/**
 * The errno a request fails with, thrown from deep inside a handler back to the dispatcher, which answers it as
 * {@code XS_ERROR}: C's {@code return errno} up the call chain. Stackless, because it is control flow, not a bug.
 *
 * <p><b>Threading:</b> thrown and caught on xenstored's executor.
 *
 * <p><b>Reference:</b> the {@code do_*} functions of C xenstored_core.c return an errno, which
 * {@code process_message()} sends with {@code send_error()}.
 */
final class RequestFailure extends RuntimeException {
    final XsError error;

    private RequestFailure(XsError error) {
        super(error.name(), null, false, false);
        this.error = error;
    }

    static RequestFailure fail(XsError error) {
        return new RequestFailure(error);
    }
}
