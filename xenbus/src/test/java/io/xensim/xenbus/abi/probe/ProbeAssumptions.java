package io.xensim.xenbus.abi.probe;

import org.junit.jupiter.api.Assumptions;

/** Skips a test, with the reason, when gcc or the Xen headers under /usr/include are not installed. */
public final class ProbeAssumptions {
    private ProbeAssumptions() {
    }

    public static void assumeGccAndXenHeaders() {
        String problem = null;
        try {
            new AbiProbe().requireAvailable();
        } catch (ProbeUnavailableException e) {
            problem = e.getMessage();
        }
        String reason = problem;
        Assumptions.assumeTrue(reason == null, () -> "needs gcc and libxen-dev: " + reason);
    }
}
