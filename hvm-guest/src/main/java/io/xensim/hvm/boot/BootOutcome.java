package io.xensim.hvm.boot;

import java.util.List;
import java.util.Objects;

/**
 * How {@code xl create} plus the guest's boot ended: the guest runs ({@link Booted}), the toolstack refused to
 * create it ({@link NotCreated}: a config error, with xl's messages), or its kernel panicked at boot
 * ({@link Panicked}: the domain crashed and was destroyed, xl's default {@code on_crash}). Every outcome has the
 * whole log and the exit status a scenario reports (0 only for a booted guest).
 *
 * <p><b>Threading:</b> immutable (a booted guest's devices are used on its executor).
 */
public sealed interface BootOutcome {
    List<String> log();

    int exitStatus();

    /** The guest is running. */
    record Booted(BootedGuest guest) implements BootOutcome {
        public Booted {
            Objects.requireNonNull(guest, "guest");
        }

        @Override
        public List<String> log() {
            return guest.log();
        }

        @Override
        public int exitStatus() {
            return 0;
        }
    }

    /** xl refused the config (or the device model could not start): no domain exists. */
    record NotCreated(List<String> log, int exitStatus) implements BootOutcome {
        public NotCreated {
            log = List.copyOf(log);
            if (exitStatus == 0) {
                throw new IllegalArgumentException("exitStatus: 0 (expected: non-zero, nothing was created)");
            }
        }
    }

    /** The guest kernel panicked during boot; the domain is gone. {@code cause} says why in one line. */
    record Panicked(String cause, List<String> log, int exitStatus) implements BootOutcome {
        public Panicked {
            Objects.requireNonNull(cause, "cause");
            log = List.copyOf(log);
            if (exitStatus == 0) {
                throw new IllegalArgumentException("exitStatus: 0 (expected: non-zero, the guest did not boot)");
            }
        }
    }

    /** The booted guest, or an {@link IllegalStateException} with the log when it did not boot. */
    default BootedGuest orElseThrow() {
        if (this instanceof Booted(BootedGuest guest)) {
            return guest;
        }
        throw new IllegalStateException("the guest did not boot (exit " + exitStatus() + "):\n"
                + String.join("\n", log()));
    }
}
