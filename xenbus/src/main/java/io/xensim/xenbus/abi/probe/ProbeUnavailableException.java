package io.xensim.xenbus.abi.probe;

/**
 * The probe could not run at all: gcc is missing, the Xen headers are missing or do not compile, or the compiled
 * probe failed. The message is written for a user of {@code xensim abi --check} and says what to install or fix.
 * (A single fact the headers do not define is not this: it is reported in {@link ProbeResult#unevaluated()}.)
 */
public final class ProbeUnavailableException extends Exception {
    public ProbeUnavailableException(String message) {
        super(message);
    }

    public ProbeUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
