package io.xensim.hvm.config;

import io.xensim.xenbus.Decoded;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Turns a domain config into a {@link DomainSpec}, or refuses, as {@code xl create} would: the keys this model
 * uses are read with xl's getters and messages; a value of the wrong shape is a warning and the default is kept
 * (xl ignores the getter's error); the errors that make xl exit (an unparsable file, no {@code name}, an invalid
 * {@code type}/{@code builder}, a bad disk spec, a bad vif {@code rate}/{@code devid}/{@code mtu}) refuse creation.
 *
 * <p>When a vif says {@code type=netfront} (the seed's xend-era advice) under the {@link ToolstackDialect#XL}
 * dialect, the log also explains what xl made of it.
 *
 * <p><b>Threading:</b> stateless.
 *
 * <p><b>Reference:</b> xen tools/xl/xl_parse.c {@code parse_config_data()} (type/builder, name, memory, vcpus,
 * xen_platform_pci, the disk and vif loops), {@code parse_cmdline()}; xl_vmcontrol.c (the "Failed to parse config"
 * exit).
 */
public final class DomainSpecs {
    private DomainSpecs() {
    }

    /** The spec when the domain would be created, and every line xl printed on the way. */
    public record Outcome(Optional<DomainSpec> spec, List<String> log) {
        public Outcome {
            Objects.requireNonNull(spec, "spec");
            log = List.copyOf(log);
        }

        public boolean created() {
            return spec.isPresent();
        }
    }

    /** Parses {@code text} as the config file {@code source} and builds the domain. */
    public static Outcome fromText(String source, String text, ToolstackDialect dialect, RandomGenerator random) {
        XlConfigParser.Parsed parsed = XlConfigParser.parse(source, text);
        if (!parsed.ok()) {
            List<String> log = new ArrayList<>(parsed.errors());
            log.add("Failed to parse config: Invalid argument");
            return new Outcome(Optional.empty(), log);
        }
        return fromConfig(parsed.config().orElseThrow(), dialect, random);
    }

    public static Outcome fromConfig(XlConfig config, ToolstackDialect dialect, RandomGenerator random) {
        List<String> log = new ArrayList<>();
        Optional<DomainType> type = domainType(config, log);
        if (type.isEmpty()) {
            return refused(log);
        }
        Optional<String> name = config.string("name", log);
        if (name.isEmpty()) {
            log.add("Domain name must be specified.");
            return refused(log);
        }
        long memory = config.number("memory", log).orElse(DomainSpec.DEFAULT_MEMORY_MIB);
        long vcpus = config.number("vcpus", log).orElse(1L);
        if (vcpus < 1 || vcpus > 4096) {
            log.add("xensim: " + config.source() + ": vcpus = " + vcpus + " is not a usable vCPU count (expected:"
                    + " 1..4096); using 1");
            vcpus = 1;
        }
        boolean platformPci = config.bool("xen_platform_pci", log).orElse(true);
        String cmdline = cmdline(config, log);

        List<DiskSpec> disks = new ArrayList<>();
        Optional<List<ConfigValue>> diskList = config.list("disk", log);
        for (ConfigValue item : diskList.orElse(List.of())) {
            if (!(item instanceof ConfigValue.Atom(String spec, var _))) {
                break; // xlu_cfg_get_listitem() answers NULL for a non-string item, which ends xl's loop
            }
            switch (DiskSpecParser.parse(config.source(), spec)) {
                case Decoded.Ok<DiskSpec>(DiskSpec disk) -> disks.add(disk);
                case Decoded.Malformed<DiskSpec>(String reason) -> {
                    log.addAll(List.of(reason.split("\n")));
                    return refused(log);
                }
            }
        }

        List<VifSpec> vifs = new ArrayList<>();
        Optional<List<ConfigValue>> vifList = config.list("vif", log);
        for (ConfigValue item : vifList.orElse(List.of())) {
            if (!(item instanceof ConfigValue.Atom(String spec, var _))) {
                break;
            }
            VifSpecParser.Result r = VifSpecParser.parse(config.source(), spec, vifs.size(), type.get(), dialect,
                    random);
            log.addAll(r.log());
            if (r.fatal().isPresent()) {
                log.add(r.fatal().get());
                return refused(log);
            }
            VifSpec vif = r.vif().orElseThrow();
            typeNote(vif, dialect).ifPresent(log::add);
            vifs.add(vif);
        }
        return new Outcome(Optional.of(new DomainSpec(name.get(), type.get(), memory, (int) vcpus, platformPci,
                cmdline, vifs, disks, dialect)), log);
    }

    private static Outcome refused(List<String> log) {
        return new Outcome(Optional.empty(), log);
    }

    /** {@code type=} (prefix of hvm, pv, pvh) and the deprecated {@code builder=} (hvm, generic). */
    private static Optional<DomainType> domainType(XlConfig config, List<String> log) {
        DomainType type = null;
        Optional<String> t = config.string("type", log);
        if (t.isPresent()) {
            type = prefixOf(t.get(), "hvm") ? DomainType.HVM : prefixOf(t.get(), "pv") ? DomainType.PV
                    : prefixOf(t.get(), "pvh") ? DomainType.PVH : null;
            if (type == null) {
                log.add("Invalid domain type " + t.get() + ".");
                return Optional.empty();
            }
        }
        Optional<String> b = config.string("builder", log);
        if (b.isPresent()) {
            DomainType builder = prefixOf(b.get(), "hvm") ? DomainType.HVM
                    : prefixOf(b.get(), "generic") ? DomainType.PV : null;
            if (builder == null) {
                log.add("Invalid domain type " + b.get() + ".");
                return Optional.empty();
            }
            if (type != null && type != builder) {
                log.add("Contradicting \"builder\" and \"type\" options specified.");
                return Optional.empty();
            }
            type = builder;
        }
        return Optional.of(type == null ? DomainType.PV : type);
    }

    /** {@code strncmp(buf, word, strlen(buf)) == 0}: buf is a prefix of word (the empty string included). */
    private static boolean prefixOf(String buf, String word) {
        return word.startsWith(buf);
    }

    /** {@code parse_cmdline()}: {@code cmdline=} wins over {@code root=} and {@code extra=}. */
    private static String cmdline(XlConfig config, List<String> log) {
        Optional<String> cmdline = config.string("cmdline", log);
        Optional<String> root = config.string("root", log);
        Optional<String> extra = config.string("extra", log);
        if (cmdline.isPresent()) {
            if (root.isPresent() || extra.isPresent()) {
                log.add("Warning: ignoring root= and extra= in favour of cmdline=");
            }
            return cmdline.get();
        }
        if (root.isPresent() && extra.isPresent()) {
            return "root=" + root.get() + " " + extra.get();
        }
        return root.map(r -> "root=" + r).orElse(extra.orElse(""));
    }

    /**
     * The explanation the boot log gives for a vif that asked for {@code type=netfront} under xl: the xend-era
     * spelling of "PV only", which xl rejects while keeping the HVM default (an emulated NIC plus the PV vif).
     */
    public static Optional<String> typeNote(VifSpec vif, ToolstackDialect dialect) {
        if (dialect != ToolstackDialect.XL || !vif.requestedType().filter("netfront"::equals).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(netfrontUnderXl(vif));
    }

    private static String netfrontUnderXl(VifSpec vif) {
        return "xensim: vif " + vif.devid() + " says type=netfront, which is xend (xm) syntax: xend gave an HVM"
                + " guest an emulated NIC only for type=ioemu, so there it meant a PV vif alone. xl 4.17 knows only"
                + " type=ioemu and type=vif and kept the default, " + vif.type().backendType() + ": "
                + (vif.type().emulated() ? "the guest gets an emulated " + vif.model() + " NIC and a PV vif with the"
                        + " same MAC " + vif.mac() + "." : "a PV vif only.")
                + " Write type=vif for a PV-only interface.";
    }
}
