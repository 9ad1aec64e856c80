package io.xensim.hvm.cmdline;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The guest's PV drivers' module parameters as its kernel command line sets them: {@code xen_netfront.max_queues},
 * {@code xen_blkfront.max_queues} and {@code xen_blkfront.max_ring_page_order}. They are the guest's half of
 * multi-queue and multi-page rings (xl.cfg has no per-device option for either; dom0's half is netback's and
 * blkback's own module parameters). Both guest profiles run Linux 6.1's netfront and blkfront, so both read them.
 *
 * <p>An unset parameter is empty; a value that does not parse leaves it unset, after the kernel's message.
 *
 * <p><b>Threading:</b> immutable.
 *
 * <p><b>Reference:</b> Linux 6.1 kernel/params.c {@code parse_args()} ("Booting kernel: `%s' invalid for parameter
 * `%s'", the parameter left at its default), {@code param_set_uint}/{@code param_set_int} ({@code kstrtouint} and
 * {@code kstrtoint} with base 0); drivers/net/xen-netfront.c ({@code module_param_named(max_queues,
 * xennet_max_queues, uint, 0644)}, {@code netif_init}: 0 means {@code min(MAX_QUEUES_DEFAULT, num_online_cpus())},
 * {@code MAX_QUEUES_DEFAULT} 8); drivers/block/xen-blkfront.c ({@code max_queues}: uint, default 4;
 * {@code max_ring_page_order}: int into an unsigned variable, default 0; {@code xlblk_init} clamps both).
 */
public record PvDriverParams(OptionalInt netfrontMaxQueues, OptionalInt blkfrontMaxQueues,
                             OptionalInt blkfrontMaxRingPageOrder) {
    public static final String NETFRONT_MAX_QUEUES = "xen_netfront.max_queues";
    public static final String BLKFRONT_MAX_QUEUES = "xen_blkfront.max_queues";
    public static final String BLKFRONT_MAX_RING_PAGE_ORDER = "xen_blkfront.max_ring_page_order";
    /** xen-netfront.c {@code MAX_QUEUES_DEFAULT}. */
    public static final int NETFRONT_MAX_QUEUES_DEFAULT = 8;
    /** xen-blkfront.c's initial {@code xen_blkif_max_queues}. */
    public static final int BLKFRONT_MAX_QUEUES_DEFAULT = 4;
    /** include/xen/xenbus.h {@code XENBUS_MAX_RING_GRANT_ORDER}. */
    public static final int XENBUS_MAX_RING_GRANT_ORDER = 4;

    /** No parameter set: every driver default. */
    public static final PvDriverParams NONE = new PvDriverParams(OptionalInt.empty(), OptionalInt.empty(),
            OptionalInt.empty());

    public PvDriverParams {
        Objects.requireNonNull(netfrontMaxQueues, "netfrontMaxQueues");
        Objects.requireNonNull(blkfrontMaxQueues, "blkfrontMaxQueues");
        Objects.requireNonNull(blkfrontMaxRingPageOrder, "blkfrontMaxRingPageOrder");
    }

    /** Whether {@code p} is one of these parameters (compared as {@code parameq()} compares). */
    static boolean handles(KernelParam p) {
        return p.is(NETFRONT_MAX_QUEUES) || p.is(BLKFRONT_MAX_QUEUES) || p.is(BLKFRONT_MAX_RING_PAGE_ORDER);
    }

    /** This with {@code p} applied (a later word overrides an earlier one); a bad value logs and changes nothing. */
    PvDriverParams with(KernelParam p, List<String> log) {
        boolean signed = p.is(BLKFRONT_MAX_RING_PAGE_ORDER);
        OptionalInt value = p.value().flatMap(v -> parseInteger(v, signed)).map(OptionalInt::of)
                .orElse(OptionalInt.empty());
        if (value.isEmpty()) {
            log.add("Booting kernel: `" + p.value().orElse("") + "' invalid for parameter `" + p.name() + "'");
            return this;
        }
        if (p.is(NETFRONT_MAX_QUEUES)) {
            return new PvDriverParams(value, blkfrontMaxQueues, blkfrontMaxRingPageOrder);
        }
        if (p.is(BLKFRONT_MAX_QUEUES)) {
            return new PvDriverParams(netfrontMaxQueues, value, blkfrontMaxRingPageOrder);
        }
        return new PvDriverParams(netfrontMaxQueues, blkfrontMaxQueues, value);
    }

    /** {@code netif_init}: the queues netfront asks for on a guest with {@code cpus} online vCPUs. */
    public int netfrontQueues(int cpus) {
        int n = netfrontMaxQueues.orElse(0);
        return n == 0 ? Math.min(NETFRONT_MAX_QUEUES_DEFAULT, cpus) : n;
    }

    /** {@code xlblk_init}'s clamp of {@code max_queues} to the online vCPUs, with its message when it clamps. */
    public int blkfrontQueues(int cpus, List<String> log) {
        int n = blkfrontMaxQueues.orElse(BLKFRONT_MAX_QUEUES_DEFAULT);
        // The C compares unsigned against int; a value past INT_MAX is negative here and clamps just the same.
        if (Integer.compareUnsigned(n, cpus) > 0) {
            log.add("Invalid max_queues (" + n + "), will use default max: " + cpus + ".");
            return cpus;
        }
        return n;
    }

    /** {@code xlblk_init}'s clamp of {@code max_ring_page_order}, with its message when it clamps. */
    public int blkfrontMaxRingPageOrder(List<String> log) {
        int order = blkfrontMaxRingPageOrder.orElse(0);
        // An unsigned variable: a negative order (set through param_set_int) is huge and clamps too.
        if (Integer.compareUnsigned(order, XENBUS_MAX_RING_GRANT_ORDER) > 0) {
            log.add("Invalid max_ring_order (" + order + "), will use default max: " + XENBUS_MAX_RING_GRANT_ORDER
                    + ".");
            return XENBUS_MAX_RING_GRANT_ORDER;
        }
        return order;
    }

    /**
     * {@code kstrtouint}/{@code kstrtoint} with base 0: an optional sign ({@code -} only when signed), then
     * {@code 0x} hex, a leading {@code 0} octal, or decimal; one trailing newline allowed; out of range is an error.
     * Returns the 32-bit value (an unsigned one past {@code INT_MAX} wraps, as the C variable holds it).
     */
    static Optional<Integer> parseInteger(String text, boolean signed) {
        String s = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        boolean negative = false;
        if (s.startsWith("+")) {
            s = s.substring(1);
        } else if (signed && s.startsWith("-")) {
            negative = true;
            s = s.substring(1);
        }
        int radix = 10;
        if (s.length() > 1 && (s.startsWith("0x") || s.startsWith("0X"))) {
            radix = 16;
            s = s.substring(2);
        } else if (s.length() > 1 && s.startsWith("0")) {
            radix = 8;
            s = s.substring(1);
        }
        if (s.isEmpty()) {
            return Optional.empty();
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            int d = Character.digit(s.charAt(i), radix);
            if (d < 0 || s.charAt(i) > 0x7f) {
                return Optional.empty();
            }
            n = n * radix + d;
            if (n > 0xffff_ffffL) {
                return Optional.empty();
            }
        }
        if (!signed) {
            return Optional.of((int) n);
        }
        long v = negative ? -n : n;
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            return Optional.empty();
        }
        return Optional.of((int) v);
    }
}
