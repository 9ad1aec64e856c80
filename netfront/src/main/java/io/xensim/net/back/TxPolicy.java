package io.xensim.net.back;

import java.util.concurrent.TimeUnit;

/**
 * When a vif's tx path serves its ring, the seed's two virtio-net transmit algorithms: {@link Mode#IMMEDIATE}
 * serves on each notification (the bottom-half transmitter, the default); {@link Mode#TIMER} answers the first
 * notification by arming a timer of {@code windowNs} and leaving {@code req_event} where it is, so that what the
 * frontend pushes meanwhile does not notify, then serves everything at once when the timer fires and re-arms
 * notifications ({@code RING_FINAL_CHECK_FOR_REQUESTS}): higher latency, fewer wake-ups and notifications.
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> QEMU hw/net/virtio-net.c ({@code virtio_net_handle_tx_bh}, {@code
 * virtio_net_handle_tx_timer}: a kick while the timer is pending flushes at once; {@code tx=timer},
 * {@code x-txtimer} in ns, default 150 µs).
 */
public record TxPolicy(Mode mode, long windowNs) {
    /** QEMU's {@code TX_TIMER_INTERVAL}: 150 µs. */
    public static final long DEFAULT_WINDOW_NS = TimeUnit.MICROSECONDS.toNanos(150);

    public enum Mode {
        IMMEDIATE,
        TIMER
    }

    public TxPolicy {
        if (mode == null) {
            throw new IllegalArgumentException("mode: null (expected: IMMEDIATE or TIMER)");
        }
        if (mode == Mode.TIMER ? windowNs <= 0 : windowNs != 0) {
            throw new IllegalArgumentException("windowNs: " + windowNs + " (expected: > 0 for TIMER, 0 for IMMEDIATE)");
        }
    }

    /** {@code tx=immediate}. */
    public static TxPolicy immediate() {
        return new TxPolicy(Mode.IMMEDIATE, 0);
    }

    /** {@code tx=timer} with a window of {@code windowMicros} µs. */
    public static TxPolicy timer(long windowMicros) {
        return new TxPolicy(Mode.TIMER, TimeUnit.MICROSECONDS.toNanos(windowMicros));
    }

    /** {@code immediate}, {@code timer} (150 µs) or {@code timer:<µs>}. */
    public static TxPolicy parse(String text) {
        if (text.equals("immediate")) {
            return immediate();
        }
        if (text.equals("timer")) {
            return new TxPolicy(Mode.TIMER, DEFAULT_WINDOW_NS);
        }
        if (text.startsWith("timer:")) {
            try {
                return timer(Long.parseLong(text.substring("timer:".length())));
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("tx: \"" + text + "\" (expected: immediate, timer or timer:<µs>)");
    }

    @Override
    public String toString() {
        return mode == Mode.IMMEDIATE ? "tx=immediate" : "tx=timer:" + TimeUnit.NANOSECONDS.toMicros(windowNs) + "us";
    }
}
