package io.xensim.hvm.config;

import io.xensim.xenbus.Decoded;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses one {@code disk = [ '...' ]} entry as libxlutil's disk scanner does: positional
 * {@code target,format,vdev,access}, {@code key=value} parameters and flags in any order, {@code target=} eating
 * the rest of the string, and xend's deprecated forms ({@code phy:}, {@code file:}, {@code tap:aio:}, {@code raw:}
 * format prefixes, {@code hdc:cdrom}). Every error has libxlutil's form
 * {@code <source>: config parsing error in disk specification: <msg>: near `<tok>' in `<spec>'}, and any error stops
 * the domain's creation (xl exits).
 *
 * <p>The scanner is a flex scanner, so it is modelled as one: at each position every rule is tried, the longest
 * match wins (trailing context counts towards the length, which is how the prefix rules beat the positional rule),
 * and the earlier rule wins a tie. Scanning goes on after most errors, so several may be reported, as xl prints
 * them all.
 *
 * <p><b>Threading:</b> stateless.
 *
 * <p>The rules are those of Xen 4.17 (later releases added {@code trusted}, {@code untrusted} and
 * {@code grant_usage=}; under 4.17 those are positional parameters). Behaviour was checked against the installed
 * libxlutil 4.17 on randomly generated specs.
 *
 * <p><b>Reference:</b> xen tools/libs/util/libxlu_disk_l.l (rules and their actions), libxlu_disk.c
 * ({@code xlu__disk_err()} message, {@code xlu_disk_parse()} defaults and final checks),
 * docs/man/xl-disk-configuration.5.pod.
 */
public final class DiskSpecParser {
    private DiskSpecParser() {
    }

    private enum Rule {
        WHITESPACE("[ \\t\\n]+", "([^ \\t\\n].*)?"),
        FORMAT("format=[^,]*,?", null),
        CDROM("cdrom,?", null),
        DEVTYPE_CDROM("devtype=cdrom,?", null),
        DEVTYPE_DISK("devtype=disk,?", null),
        DEVTYPE_OTHER("devtype=[^,]*,?", null),
        ACCESS("access=[^,]*,?", null),
        BACKEND("backend=[^,]*,?", null),
        BACKENDTYPE("backendtype=[^,]*,?", null),
        SPECIFICATION("specification=[^,]*,?", null),
        VDEV("vdev=[^,]*,?", null),
        SCRIPT("script=[^,]*,?", null),
        DIRECT_IO_SAFE("direct-io-safe,?", null),
        DISCARD("discard,?", null),
        NO_DISCARD("no-discard,?", null),
        COLO("colo,?", null),
        NO_COLO("no-colo,?", null),
        COLO_HOST("colo-host=[^,]*,?", null),
        COLO_PORT("colo-port=[^,]*,?", null),
        COLO_EXPORT("colo-export=[^,]*,?", null),
        ACTIVE_DISK("active-disk=[^,]*,?", null),
        HIDDEN_DISK("hidden-disk=[^,]*,?", null),
        TARGET("target=.*", null),
        UNKNOWN_PARAMETER("[a-z][-a-z0-9]*=[^,],?", null),
        FORMAT_PREFIX("(?:raw|qcow2?|vhd):", ".*"),
        SCRIPT_PREFIX("(?:iscsi|e?nbd|drbd):", ".*"),
        TAPDISK_PREFIX("tapdisk:", ".*"),
        TAP_PREFIX("tap2?:", ".*"),
        AIO_PREFIX("aio:", ".*"),
        IOEMU_PREFIX("ioemu:", ".*"),
        FILE_PREFIX("file:", ".*"),
        PHY_PREFIX("phy:", ".*"),
        UNKNOWN_PREFIX("[a-z][a-z0-9]*:", "([^a-z0-9].*)?"),
        POSITIONAL("[^=,]*,|[^=,]+,?", null),
        ANY(".", null);

        final Pattern lead;
        final Pattern whole;

        Rule(String lead, String trailing) {
            // (?d): only '\n' ends a line for '.', as in flex.
            this.lead = Pattern.compile("(?d)" + lead);
            this.whole = Pattern.compile("(?d)(?:" + lead + ")" + (trailing == null ? "" : "(?:" + trailing + ")"));
        }
    }

    /** The scan state: {@code DiskParseContext} and the fields of {@code libxl_device_disk} it fills. */
    private static final class Context {
        final String source;
        final String spec;
        final List<String> errors = new ArrayList<>();
        String target;
        DiskFormat format;
        String vdev;
        boolean readwrite = true;
        boolean cdrom;
        boolean accessSet;
        boolean hadDeprecatedPrefix;
        String backend;
        DiskBackendType backendType;
        String script;
        String specification;
        String coloHost;
        String coloExport;
        String activeDisk;
        String hiddenDisk;

        Context(String source, String spec) {
            this.source = source;
            this.spec = spec;
        }

        boolean failed() {
            return !errors.isEmpty();
        }

        void err(String erroneous, String message) {
            errors.add(source + ": config parsing error in disk specification: " + message
                    + (erroneous == null ? "" : ": near `" + erroneous + "'") + " in `" + spec + "'");
        }

        /** SAVESTRING: an earlier non-empty value may not be replaced. */
        String save(String what, String current, String value) {
            if (current != null && !current.isEmpty()) {
                err(value, what + " respecified");
                return current;
            }
            return value;
        }

        /** DSET for the format. */
        void setFormat(String str) {
            DiskFormat f = switch (str) {
                case "", "raw" -> DiskFormat.RAW;
                case "qcow" -> DiskFormat.QCOW;
                case "qcow2" -> DiskFormat.QCOW2;
                case "vhd" -> DiskFormat.VHD;
                case "empty" -> DiskFormat.EMPTY;
                case "qed" -> DiskFormat.QED;
                default -> null;
            };
            if (f == null) {
                err(str, "unknown value for format");
            } else if (format != null && format != f) {
                err(str, "format respecified");
            } else {
                format = f;
            }
        }

        void setAccess(String str) {
            switch (str) {
                case "r", "ro" -> readwrite = false;
                case "rw", "w", "" -> readwrite = true;
                default -> err(str, "unknown value for access");
            }
        }

        void setBackendType(String str) {
            DiskBackendType t = switch (str) {
                case "phy" -> DiskBackendType.PHY;
                case "tap" -> DiskBackendType.TAP;
                case "qdisk" -> DiskBackendType.QDISK;
                case "standalone" -> DiskBackendType.STANDALONE;
                default -> null;
            };
            if (t == null) {
                err(str, "unknown value for backendtype");
            } else if (backendType != null && backendType != t) {
                err(str, "backend respecified");
            } else {
                backendType = t;
            }
        }

        /** {@code vdev_and_devtype()}: true if {@code str} was {@code <vdev>:<devtype>}. */
        boolean vdevAndDevtype(String str) {
            int colon = str.lastIndexOf(':');
            if (colon < 0) {
                return false;
            }
            vdev = save("vdev", vdev, str.substring(0, colon));
            String type = str.substring(colon + 1);
            switch (type) {
                case "cdrom" -> cdrom = true;
                case "disk" -> cdrom = false;
                default -> err(type, "unknown deprecated type");
            }
            return true;
        }
    }

    /** Parses {@code spec}; {@code source} names the config (or "command line") in messages. */
    public static Decoded<DiskSpec> parse(String source, String spec) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(spec, "spec");
        Context c = new Context(source, spec);
        scan(c);
        if (!c.failed()) {
            finish(c);
        }
        if (c.failed()) {
            return Decoded.malformed(String.join("\n", c.errors));
        }
        return Decoded.ok(new DiskSpec(Optional.ofNullable(c.target).filter(t -> !t.isEmpty()), c.format, c.vdev,
                c.readwrite, c.cdrom, Optional.ofNullable(c.backend), Optional.ofNullable(c.backendType),
                Optional.ofNullable(c.script)));
    }

    /** xlu_disk_parse() after the scan. */
    private static void finish(Context c) {
        if (c.format == null) {
            c.format = DiskFormat.RAW;
        }
        boolean removable = false;
        if (c.cdrom) {
            removable = true;
            c.readwrite = false;
            if (c.target == null || c.target.isEmpty()) {
                c.format = DiskFormat.EMPTY;
            }
        }
        if (c.vdev == null) {
            c.err(null, "no vdev specified");
            return;
        }
        if (c.target == null && !removable) {
            c.err(null, "no target specified (and device not removable)");
        }
    }

    private static void scan(Context c) {
        String s = c.spec;
        int pos = 0;
        while (pos < s.length()) {
            Rule best = null;
            int bestLength = -1;
            int consumed = 0;
            for (Rule rule : Rule.values()) {
                Matcher whole = rule.whole.matcher(s).region(pos, s.length());
                if (!whole.lookingAt()) {
                    continue;
                }
                int length = whole.end() - pos;
                if (length > bestLength) {
                    Matcher lead = rule.lead.matcher(s).region(pos, s.length());
                    lead.lookingAt();
                    best = rule;
                    bestLength = length;
                    consumed = lead.end() - pos;
                }
            }
            if (best == null || consumed == 0) {
                // Only reachable for an empty match, which flex never takes; treat it as "bad disk syntax".
                c.err(s.substring(pos), "bad disk syntax");
                return;
            }
            String text = s.substring(pos, pos + consumed);
            pos += consumed;
            if (!act(c, best, text, s.substring(pos))) {
                return;
            }
        }
    }

    private static String strip(String text, char delim) {
        return !text.isEmpty() && text.charAt(text.length() - 1) == delim ? text.substring(0, text.length() - 1) : text;
    }

    private static String fromEquals(String text) {
        return strip(text, ',').substring(text.indexOf('=') + 1);
    }

    /** The rule's action; false when the scanner returns (stops). */
    private static boolean act(Context c, Rule rule, String text, String rest) {
        switch (rule) {
            case WHITESPACE, DIRECT_IO_SAFE, DISCARD, NO_DISCARD, COLO, NO_COLO -> {
            }
            case FORMAT -> c.setFormat(fromEquals(text));
            case CDROM, DEVTYPE_CDROM -> c.cdrom = true;
            case DEVTYPE_DISK -> c.cdrom = false;
            case DEVTYPE_OTHER -> c.err(text, "unknown value for type");
            case ACCESS -> c.setAccess(fromEquals(text));
            case BACKEND -> c.backend = c.save("backend", c.backend, fromEquals(text));
            case BACKENDTYPE -> c.setBackendType(fromEquals(text));
            case SPECIFICATION -> {
                String v = fromEquals(text);
                if (!v.equals("xen") && !v.equals("virtio")) {
                    c.err(v, "unknown value for specification");
                } else if (c.specification != null && !c.specification.equals(v)) {
                    c.err(v, "specification respecified");
                } else {
                    c.specification = v;
                }
            }
            case VDEV -> c.vdev = c.save("vdev", c.vdev, fromEquals(text));
            case SCRIPT -> c.script = c.save("script", c.script, fromEquals(text));
            case COLO_HOST -> c.coloHost = c.save("colo-host", c.coloHost, fromEquals(text));
            case COLO_PORT -> {
                String v = fromEquals(text);
                if (atoi(v) == 0) {
                    c.err(v, "unknown value for colo_port");
                }
            }
            case COLO_EXPORT -> c.coloExport = c.save("colo-export", c.coloExport, fromEquals(text));
            case ACTIVE_DISK -> c.activeDisk = c.save("active-disk", c.activeDisk, fromEquals(text));
            case HIDDEN_DISK -> c.hiddenDisk = c.save("hidden-disk", c.hiddenDisk, fromEquals(text));
            case TARGET -> c.target = c.save("target", c.target, fromEquals(text));
            case UNKNOWN_PARAMETER -> c.err(text, "unknown parameter");
            case FORMAT_PREFIX -> {
                c.hadDeprecatedPrefix = true;
                c.setFormat(strip(text, ':'));
            }
            case SCRIPT_PREFIX -> {
                c.hadDeprecatedPrefix = true;
                c.script = c.save("script", c.script, "block-" + strip(text, ':'));
            }
            case TAPDISK_PREFIX, TAP_PREFIX, AIO_PREFIX, IOEMU_PREFIX, FILE_PREFIX, PHY_PREFIX ->
                    c.hadDeprecatedPrefix = true;
            case UNKNOWN_PREFIX -> {
                c.err(text, "unknown deprecated disk prefix");
                return false;
            }
            case POSITIONAL -> {
                return positional(c, strip(text, ','));
            }
            case ANY -> {
                // BEGIN(LEXERR); yymore(): the bad character and the rest of the line. When nothing follows, the
                // end of the string comes first and the scanner stops without a word.
                if (rest.isEmpty()) {
                    return false;
                }
                int nl = rest.indexOf('\n');
                c.err(text + (nl < 0 ? rest : rest.substring(0, nl)), "bad disk syntax");
                return false;
            }
            default -> throw new AssertionError(rule);
        }
        return true;
    }

    private static boolean positional(Context c, String text) {
        if (c.failed()) {
            return true; // previous errors may just lead to subsequent ones
        }
        if (c.target == null) {
            c.target = c.save("target", c.target, text);
        } else if (!c.hadDeprecatedPrefix && c.format == null) {
            if (c.target.isEmpty() && c.vdevAndDevtype(text)) {
                c.format = DiskFormat.EMPTY;
            } else {
                c.setFormat(text);
            }
        } else if (c.vdev == null) {
            if (!c.vdevAndDevtype(text)) {
                c.vdev = c.save("vdev", c.vdev, text);
            }
        } else if (!c.accessSet) {
            c.accessSet = true;
            c.setAccess(text);
        } else {
            c.err(text, "too many positional parameters");
            return false;
        }
        return true;
    }

    private static int atoi(String s) {
        int i = 0;
        int v = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i)) && v < 100_000_000) {
            v = v * 10 + (s.charAt(i++) - '0');
        }
        return v;
    }
}
