package io.xensim.hvm.cmdline;

import java.util.List;
import java.util.Objects;

/**
 * The guest kernel cannot boot with this command line: the log it ends with (the kernel's own last words, then
 * the simulator's explanation of why and what to change) and the exit status a scenario reports.
 */
public record BootFailure(String cause, List<String> log, int exitStatus) {
    public BootFailure {
        Objects.requireNonNull(cause, "cause");
        log = List.copyOf(log);
        if (exitStatus == 0) {
            throw new IllegalArgumentException("exitStatus: 0 (expected: non-zero, the guest did not boot)");
        }
    }
}
