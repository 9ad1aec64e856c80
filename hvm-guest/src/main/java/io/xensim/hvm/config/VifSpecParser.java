package io.xensim.hvm.config;

import io.xensim.xenbus.toolstack.DeviceConfig;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Parses one {@code vif = [ '...' ]} entry as xl 4.17 does: the string is cut at commas (empty pieces vanish, as
 * with {@code strtok}), leading blanks are dropped, and each token is {@code key=value} or a bare flag.
 *
 * <p>In a config file xl ignores what {@code parse_nic_config()} returns, so an unknown token or a bad value is a
 * warning naming it and the guest is still created; a malformed MAC keeps the bytes parsed before the bad one.
 * Only the tokens whose parser calls {@code exit()} stop creation: {@code rate} (libxlutil's vif rate parser),
 * {@code devid} and {@code mtu} (xl's {@code parse_ulong()}). Those are {@link Result#fatal()}.
 *
 * <p>Under the {@link ToolstackDialect#XM} dialect the spec is read as xm create reads it: every piece must be
 * {@code key=value} with a key xm knows ({@code backend bridge ip mac script type vifname rate model accel}), or
 * creation stops ("Error: Invalid vif option: mtu"); {@code type} follows xend: {@code ioemu} means an emulated
 * NIC and a PV vif, any other value a PV vif only. (The values themselves are read with xl's rules; xend's own
 * checks of a MAC or a rate are not modelled.)
 *
 * <p><b>Threading:</b> stateless; the random source for default MACs is the caller's.
 *
 * <p><b>Reference:</b> xen tools/xl/xl_parse.c {@code parse_nic_config()}, {@code parse_ulong()} and the vif loop
 * of {@code parse_config_data()}; tools/libs/util/libxlu_vif.c {@code xlu_vif_parse_rate()};
 * tools/libs/light/libxl_nic.c {@code libxl__device_nic_setdefault()} (defaults, the random MAC); xm's
 * create.py ({@code comma_sep_kv_to_dict()}, {@code configure_vifs()}) and xend's image.py (the xm meaning of
 * {@code type}).
 */
public final class VifSpecParser {
    private VifSpecParser() {
    }

    /** The vif (absent only when {@code fatal} is), the warnings printed while parsing, and a fatal error. */
    public record Result(Optional<VifSpec> vif, List<String> log, Optional<String> fatal) {
        public Result {
            Objects.requireNonNull(vif, "vif");
            Objects.requireNonNull(fatal, "fatal");
            log = List.copyOf(log);
        }
    }

    /** The text xl prints for a {@code type} other than {@code vif} or {@code ioemu}. */
    public static final String INVALID_TYPE = "Invalid parameter `type'.";
    /** The text xl prints for a MAC it cannot read. */
    public static final String INVALID_MAC = "Invalid parameter `mac'.";

    /**
     * @param source    the config's name, for libxlutil's messages
     * @param spec      the vif string
     * @param devid     the default device id (the vif's index in the list)
     * @param domain    the domain's type, which picks the default {@code type}
     */
    public static Result parse(String source, String spec, int devid, DomainType domain, ToolstackDialect dialect,
                               RandomGenerator random) {
        Objects.requireNonNull(spec, "spec");
        Builder b = new Builder(devid);
        List<String> log = new ArrayList<>();
        if (dialect == ToolstackDialect.XM) {
            Optional<String> fatal = xmTokens(source, b, spec, log);
            return fatal.isPresent() ? new Result(Optional.empty(), log, fatal)
                    : new Result(Optional.of(b.build(domain, random)), log, Optional.empty());
        }
        for (String piece : spec.split(",")) {
            String token = piece.replaceFirst("^ +", "");
            if (piece.isEmpty()) {
                continue;
            }
            Optional<String> fatal = token(source, b, token, dialect, log);
            if (fatal.isPresent()) {
                return new Result(Optional.empty(), log, fatal);
            }
        }
        return new Result(Optional.of(b.build(domain, random)), log, Optional.empty());
    }

    private static final class Builder {
        int devid;
        byte[] mac = new byte[6];
        String bridge;
        NicType type;
        String model;
        String vifname;
        String script;
        String ip;
        String backend;
        VifRate rate;
        long mtu;
        Boolean trusted;
        String requestedType;

        Builder(int devid) {
            this.devid = devid;
        }

        /** libxl__device_nic_setdefault(). */
        VifSpec build(DomainType domain, RandomGenerator random) {
            if (isZero(mac)) {
                mac[0] = 0x00;
                mac[1] = 0x16;
                mac[2] = 0x3e;
                mac[3] = (byte) (random.nextInt(256) & 0x7f);
                mac[4] = (byte) random.nextInt(256);
                mac[5] = (byte) random.nextInt(256);
            }
            NicType t = type != null ? type : domain == DomainType.HVM ? NicType.VIF_IOEMU : NicType.VIF;
            return new VifSpec(devid, HexFormat.ofDelimiter(":").formatHex(mac),
                    bridge != null ? bridge : VifSpec.DEFAULT_BRIDGE, t, model != null ? model : VifSpec.DEFAULT_MODEL,
                    Optional.ofNullable(vifname), script != null ? script : DeviceConfig.VIF_BRIDGE_SCRIPT,
                    Optional.ofNullable(ip), Optional.ofNullable(backend), Optional.ofNullable(rate),
                    mtu == 0 ? DeviceConfig.NIC_MTU_DEFAULT : (int) mtu, trusted == null || trusted,
                    Optional.ofNullable(requestedType));
        }

        private static boolean isZero(byte[] bytes) {
            for (byte x : bytes) {
                if (x != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The keys xm create accepts in a vif spec (RHEL 5's xend, {@code configure_vifs()}). */
    private static final List<String> XM_VIF_KEYS = List.of("backend", "bridge", "ip", "mac", "script", "type",
            "vifname", "rate", "model", "accel");

    /**
     * xm create's reading of a vif spec ({@code comma_sep_kv_to_dict()} and {@code configure_vifs()} in xm's
     * create.py): the spec is stripped and cut at every comma; each piece must be {@code key=value} (both
     * stripped; a later key replaces an earlier one) and the key one xm knows, or xm stops with an error. The values
     * are then read as xl reads them, except {@code type}, which follows xend's image.py.
     */
    private static Optional<String> xmTokens(String source, Builder b, String spec, List<String> log) {
        String c = spec.strip();
        if (c.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String piece : c.split(",", -1)) {
            int eq = piece.indexOf('=');
            if (eq < 0) {
                return Optional.of("Error: " + piece + " should be a pair, separated by an equals sign.");
            }
            pairs.put(piece.substring(0, eq).strip(), piece.substring(eq + 1).strip());
        }
        for (var pair : pairs.entrySet()) {
            if (!XM_VIF_KEYS.contains(pair.getKey())) {
                return Optional.of("Error: Invalid vif option: " + pair.getKey());
            }
        }
        for (var pair : pairs.entrySet()) {
            Optional<String> fatal = token(source, b, pair.getKey() + "=" + pair.getValue(), ToolstackDialect.XM, log);
            if (fatal.isPresent()) {
                return fatal;
            }
        }
        return Optional.empty();
    }

    /** One token; a fatal message when xl would exit. */
    private static Optional<String> token(String source, Builder b, String token, ToolstackDialect dialect,
                                          List<String> log) {
        String value;
        if ((value = option("type", token)) != null) {
            b.requestedType = value;
            if (dialect == ToolstackDialect.XM) {
                b.type = value.equals("ioemu") ? NicType.VIF_IOEMU : NicType.VIF;
            } else if (value.equals("vif")) {
                b.type = NicType.VIF;
            } else if (value.equals("ioemu")) {
                b.type = NicType.VIF_IOEMU;
            } else {
                log.add(INVALID_TYPE);
            }
        } else if ((value = option("mac", token)) != null) {
            parseMac(b.mac, value, log);
        } else if ((value = option("bridge", token)) != null) {
            b.bridge = value;
        } else if ((value = option("netdev", token)) != null) {
            log.add("the netdev parameter is deprecated, please use gatewaydev instead");
        } else if (option("gatewaydev", token) != null) {
            // Routed set-ups only; nothing in this model uses it.
        } else if ((value = option("ip", token)) != null) {
            b.ip = value;
        } else if ((value = option("script", token)) != null) {
            b.script = value;
        } else if ((value = option("backend", token)) != null) {
            b.backend = value;
        } else if ((value = option("vifname", token)) != null) {
            b.vifname = value;
        } else if ((value = option("model", token)) != null) {
            b.model = value;
        } else if ((value = option("rate", token)) != null) {
            Rate r = parseRate(source, value);
            if (r.error != null) {
                return Optional.of(r.error);
            }
            b.rate = r.rate;
        } else if (option("accel", token) != null) {
            log.add("the accel parameter for vifs is currently not supported");
        } else if ((value = option("devid", token)) != null) {
            long v = parseUlong(value);
            if (v < 0 || v > Integer.MAX_VALUE) {
                return Optional.of("xl: failed to convert \"" + value + "\" to number");
            }
            b.devid = (int) v;
        } else if ((value = option("mtu", token)) != null) {
            long v = parseUlong(value);
            if (v < 0 || v > Integer.MAX_VALUE) {
                return Optional.of("xl: failed to convert \"" + value + "\" to number");
            }
            b.mtu = v;
        } else if (token.equals("trusted")) {
            b.trusted = true;
        } else if (token.equals("untrusted")) {
            b.trusted = false;
        } else {
            log.add("unrecognized argument `" + token + "'");
        }
        return Optional.empty();
    }

    /** {@code MATCH_OPTION}: the value after {@code key=}, or null. */
    private static String option(String key, String token) {
        return token.startsWith(key + "=") ? token.substring(key.length() + 1) : null;
    }

    /**
     * The MAC loop of {@code parse_nic_config()}: six hex numbers, each read with {@code strtoul(.., 16)} and
     * followed by one separator character; at the first one that is missing or above 255 it warns and stops,
     * keeping the bytes already stored. (Past the end of the string C would read the next token's bytes; here
     * that is a missing number.)
     */
    private static void parseMac(byte[] mac, String text, List<String> log) {
        int at = 0;
        for (int i = 0; i < 6; i++) {
            int p = at;
            while (p < text.length() && Character.isWhitespace(text.charAt(p))) {
                p++;
            }
            if (p + 1 < text.length() && text.charAt(p) == '0' && (text.charAt(p + 1) | 0x20) == 'x'
                    && p + 2 < text.length() && Character.digit(text.charAt(p + 2), 16) >= 0) {
                p += 2;
            }
            int start = p;
            long val = 0;
            while (p < text.length() && Character.digit(text.charAt(p), 16) >= 0) {
                val = Math.min(val * 16 + Character.digit(text.charAt(p), 16), 1L << 40);
                p++;
            }
            if (at >= text.length() || p == start || val > 255) {
                log.add(INVALID_MAC);
                return;
            }
            mac[i] = (byte) val;
            at = p + 1;
        }
    }

    /** xl's {@code parse_ulong()}: {@code strtoul(s, &end, 10)}, failing on no digits; -1 when it fails. */
    private static long parseUlong(String text) {
        int p = 0;
        while (p < text.length() && Character.isWhitespace(text.charAt(p))) {
            p++;
        }
        int start = p;
        long val = 0;
        while (p < text.length() && Character.isDigit(text.charAt(p))) {
            val = val * 10 + (text.charAt(p) - '0');
            if (val > Integer.MAX_VALUE) {
                return -1;
            }
            p++;
        }
        return p == start ? -1 : val;
    }

    private record Rate(VifRate rate, String error) {
    }

    private static final Pattern BYTES_PER_SEC = Pattern.compile("^[0-9]+[GMK]?[Bb]/s$");
    private static final Pattern INTERVAL = Pattern.compile("^[0-9]+[mu]?s?$");
    private static final long UINT32_MAX = 0xffff_ffffL;

    /** {@code xlu_vif_parse_rate()}: {@code <n>[GMK](B|b)/s[@<n>[m|u][s]]}, interval 50 ms by default. */
    private static Rate parseRate(String source, String rate) {
        int at = rate.indexOf('@');
        String bytes = at < 0 ? rate : rate.substring(0, at);
        String interval = at < 0 ? null : rate.substring(at + 1);
        if (bytes.isEmpty()) {
            return vifError(source, "no rate specified", rate);
        }
        if (!BYTES_PER_SEC.matcher(bytes).matches()) {
            return vifError(source, "invalid rate", bytes);
        }
        // strtoull(p, &p, 0): a leading 0 makes the digits octal, and parsing stops at the first non-octal one.
        long[] number = strtoull(bytes);
        long perSec = number[0];
        int end = (int) number[1];
        if (perSec <= 0 || perSec > UINT32_MAX) {
            return vifError(source, "rate overflow", bytes);
        }
        char unit = bytes.charAt(end);
        perSec *= switch (unit) {
            case 'G' -> 1_000_000_000L;
            case 'M' -> 1_000_000L;
            case 'K' -> 1_000L;
            default -> 1L;
        };
        if (unit == 'b' || (end + 1 < bytes.length() && bytes.charAt(end + 1) == 'b')) {
            perSec /= 8;
        }
        long usecs = 50_000;
        if (interval != null) {
            if (!INTERVAL.matcher(interval).matches()) {
                return vifError(source, "invalid replenishment interval", interval);
            }
            long[] parsed = strtoull(interval);
            long n = parsed[0];
            if (n <= 0 || n > UINT32_MAX) {
                return vifError(source, "replenishment interval overflow", interval);
            }
            String suffix = interval.substring((int) parsed[1]);
            if (suffix.isEmpty() || suffix.startsWith("s")) {
                n *= 1_000_000L;
            } else if (suffix.startsWith("m")) {
                n *= 1_000L;
            }
            if (n > UINT32_MAX) {
                return vifError(source, "replenishment interval overflow", interval);
            }
            usecs = n;
        }
        if (Long.compareUnsigned(perSec, Long.divideUnsigned(-1L, usecs)) > 0) {
            return vifError(source, "rate overflow", rate);
        }
        return new Rate(new VifRate(Long.divideUnsigned(perSec * usecs, 1_000_000L), usecs), null);
    }

    /**
     * {@code strtoull(s, &end, 0)} on a string that starts with a digit (the callers' regexes ensure it): octal
     * after a leading 0, decimal otherwise; {value, end}. A value past 2^63 is reported as -1 (the callers only
     * accept values up to UINT32_MAX).
     */
    private static long[] strtoull(String s) {
        int radix = s.charAt(0) == '0' ? 8 : 10;
        int i = 0;
        long v = 0;
        while (i < s.length() && Character.digit(s.charAt(i), radix) >= 0) {
            if (v >= 0) {
                v = v > (Long.MAX_VALUE - 9) / radix ? -1 : v * radix + Character.digit(s.charAt(i), radix);
            }
            i++;
        }
        return new long[] {v, i};
    }

    private static Rate vifError(String source, String msg, String what) {
        return new Rate(null, source + ": config parsing error in vif: " + msg + " in `" + what + "'");
    }
}
