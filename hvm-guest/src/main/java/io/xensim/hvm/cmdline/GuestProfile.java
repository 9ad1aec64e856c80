package io.xensim.hvm.cmdline;

import io.xensim.xenbus.Decoded;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The guest kernel a simulated HVM guest runs, as far as its command line is concerned. Both profiles bind the same
 * netfront and blkfront (Linux 6.1's drivers); a profile changes what the command line means: what gates the Xen
 * set-up (and so the platform PCI driver, the unplug and xenbus) and which {@code xen_emul_unplug} values exist.
 *
 * <p><b>Threading:</b> stateless.
 *
 * <p><b>Reference:</b>
 * <ul>
 *   <li>{@link #RHEL6_0}: the RHEL 6.0 (2.6.32-71) kernel of the seed. Its {@code xen_pv_hvm=} early parameter
 *       turns PV-on-HVM on when the value starts with {@code enable} and prints "Enabling Xen PV-on-HVM"; without
 *       it the platform PCI driver is never registered (its {@code xen_unplug_emulated_devices()} returns at once
 *       unless {@code xen_pv_hvm_enable}). Its {@code xen_emul_unplug=} is the 2.6.36-era parser ({@code all},
 *       {@code ide-disks}, {@code aux-ide-disks}, {@code nics}, {@code ignore}); {@code ignore} still checks the
 *       magic but writes no mask and keeps the platform driver when the magic is missing, which is what 6.1 calls
 *       {@code unnecessary}. Its unknown-option warning says "module parameter". Its NMI watchdog still has the
 *       I/O APIC mode ({@code nmi_watchdog=1}), which cannot work on a Xen HVM guest.</li>
 *   <li>{@link #LINUX}: upstream Linux 6.1. PV-on-HVM is on by default; arch/x86/xen/platform-pci-unplug.c
 *       {@code parse_xen_emul_unplug()} adds {@code unnecessary} and {@code never}; arch/x86/xen/enlighten_hvm.c
 *       {@code xen_parse_nopv()} keeps {@code xen_nopv} as a deprecated alias of {@code nopv}. Its
 *       {@code nmi_watchdog=1} only enables the perf-based hard-lockup detector (kernel/watchdog.c), which boots.
 *       </li>
 * </ul>
 */
public enum GuestProfile {
    RHEL6_0("rhel6.0", "module parameter", new UnplugOption[] {
            new UnplugOption("all", UnplugRequest.XEN_UNPLUG_ALL),
            new UnplugOption("ide-disks", UnplugRequest.XEN_UNPLUG_ALL_IDE_DISKS),
            new UnplugOption("aux-ide-disks", UnplugRequest.XEN_UNPLUG_AUX_IDE_DISKS),
            new UnplugOption("nics", UnplugRequest.XEN_UNPLUG_ALL_NICS),
            new UnplugOption("ignore", UnplugRequest.XEN_UNPLUG_UNNECESSARY)}),
    LINUX("linux", "parameter", new UnplugOption[] {
            new UnplugOption("all", UnplugRequest.XEN_UNPLUG_ALL),
            new UnplugOption("ide-disks", UnplugRequest.XEN_UNPLUG_ALL_IDE_DISKS),
            new UnplugOption("aux-ide-disks", UnplugRequest.XEN_UNPLUG_AUX_IDE_DISKS),
            new UnplugOption("nics", UnplugRequest.XEN_UNPLUG_ALL_NICS),
            new UnplugOption("unnecessary", UnplugRequest.XEN_UNPLUG_UNNECESSARY),
            new UnplugOption("never", UnplugRequest.XEN_UNPLUG_NEVER)});

    /** The seed's guest. */
    public static final GuestProfile DEFAULT = RHEL6_0;

    /** The line RHEL 6.0 prints when {@code xen_pv_hvm=enable} is seen. */
    public static final String ENABLING_PV_ON_HVM = "Enabling Xen PV-on-HVM";
    /** Linux 6.1's notice for the deprecated spelling. */
    public static final String XEN_NOPV_DEPRECATED = "\"xen_nopv\" is deprecated, please use \"nopv\" instead";
    /** The exit status of a guest whose kernel panicked at boot. */
    public static final int PANIC_EXIT_STATUS = 1;

    private record UnplugOption(String name, int bit) {
    }

    private final String id;
    /** How the kernel's warning names {@code xen_emul_unplug} (RHEL 6 says "module parameter"). */
    private final String parameterWord;
    private final UnplugOption[] unplugOptions;

    GuestProfile(String id, String parameterWord, UnplugOption[] unplugOptions) {
        this.id = id;
        this.parameterWord = parameterWord;
        this.unplugOptions = unplugOptions;
    }

    /** The profile's name in configs and on the command line ({@code rhel6.0}, {@code linux}). */
    public String id() {
        return id;
    }

    public static Optional<GuestProfile> fromId(String id) {
        return Arrays.stream(values()).filter(p -> p.id.equals(id)).findFirst();
    }

    /** The {@code xen_emul_unplug} values this kernel knows, in the order its parser tries them. */
    public List<String> unplugValues() {
        return Arrays.stream(unplugOptions).map(UnplugOption::name).toList();
    }

    /** Splits {@code line} and interprets it; malformed when a double quote is never closed. */
    public Decoded<BootParams> interpret(String line) {
        return switch (KernelCommandLine.parse(line)) {
            case Decoded.Ok<KernelCommandLine>(KernelCommandLine parsed) -> Decoded.ok(interpret(parsed));
            case Decoded.Malformed<KernelCommandLine>(String reason) -> Decoded.malformed(reason);
        };
    }

    /** What this kernel makes of {@code line}. */
    public BootParams interpret(KernelCommandLine line) {
        List<String> log = new ArrayList<>();
        List<KernelParam> ignored = new ArrayList<>();
        boolean pvHvmEnabled = false;
        boolean noPv = false;
        int nmiWatchdog = NMI_NONE;
        UnplugRequest unplug = UnplugRequest.NONE;
        PvDriverParams pvDrivers = PvDriverParams.NONE;
        for (KernelParam p : line.params()) {
            if (p.is("xen_emul_unplug")) {
                unplug = unplug.with(parseEmulUnplug(p.value().orElse(null), log));
            } else if (PvDriverParams.handles(p)) {
                pvDrivers = pvDrivers.with(p, log);
            } else if (this == RHEL6_0 && p.is("xen_pv_hvm")) {
                // RHEL 6's parse_xen_pv_hvm(): only a value starting with "enable" counts (so "enabled" does too).
                if (p.value().filter(v -> v.startsWith("enable")).isPresent()) {
                    pvHvmEnabled = true;
                    log.add(ENABLING_PV_ON_HVM);
                }
            } else if (this == LINUX && p.is("xen_nopv")) {
                log.add(XEN_NOPV_DEPRECATED);
                noPv = true;
            } else if (this == LINUX && p.is("nopv")) {
                noPv = true;
            } else if (this == RHEL6_0 && p.is("nmi_watchdog") && p.value().isPresent()) {
                nmiWatchdog = setupNmiWatchdog(p.value().get(), nmiWatchdog);
            } else {
                ignored.add(p);
            }
        }
        boolean xenSetup = switch (this) {
            case RHEL6_0 -> pvHvmEnabled;
            case LINUX -> !noPv;
        };
        Optional<BootFailure> failure = nmiWatchdog == NMI_IO_APIC ? Optional.of(nmiWatchdogPanic())
                : Optional.empty();
        return new BootParams(this, line, xenSetup, unplug, pvDrivers, failure, log, ignored);
    }

    /**
     * {@code parse_xen_emul_unplug()}: a comma-separated list; each token selects the first known value it is a
     * prefix of (strncmp with the token's length), so an empty token means {@code all}; an unknown token is
     * warned about and skipped. A bare {@code xen_emul_unplug} (no {@code =}) hands the handler a NULL argument, so
     * its loop never runs: no bits, no warning.
     */
    private int parseEmulUnplug(String arg, List<String> log) {
        if (arg == null) {
            return 0;
        }
        int bits = 0;
        int from = 0;
        while (true) {
            int comma = arg.indexOf(',', from);
            String token = comma < 0 ? arg.substring(from) : arg.substring(from, comma);
            UnplugOption match = null;
            for (UnplugOption option : unplugOptions) {
                if (option.name.startsWith(token)) {
                    match = option;
                    break;
                }
            }
            if (match != null) {
                bits |= match.bit;
            } else {
                // Linux prints the rest of the argument from this token on (the printk gets the pointer p).
                log.add("unrecognised option '" + arg.substring(from) + "' in " + parameterWord
                        + " 'xen_emul_unplug'");
            }
            if (comma < 0) {
                return bits;
            }
            from = comma + 1;
        }
    }

    /** 2.6.32's NMI watchdog modes (arch/x86/include/asm/nmi.h). */
    private static final int NMI_NONE = 0, NMI_IO_APIC = 1, NMI_LOCAL_APIC = 2, NMI_INVALID = 3;

    /**
     * RHEL 6's {@code setup_nmi_watchdog()} (arch/x86/kernel/apic/nmi.c): an optional {@code panic,} prefix, then
     * {@code lapic}, {@code ioapic} or a number ({@code get_option()}: decimal, 0x hex or 0 octal); a number from
     * {@code NMI_INVALID} up leaves the mode as it was. Each occurrence overrides the one before.
     */
    private static int setupNmiWatchdog(String str, int current) {
        String s = str;
        if (s.startsWith("panic")) {
            int comma = s.indexOf(',');
            if (comma < 0) {
                return current;
            }
            s = s.substring(comma + 1);
        }
        if (s.startsWith("lapic")) {
            return NMI_LOCAL_APIC;
        }
        if (s.startsWith("ioapic")) {
            return NMI_IO_APIC;
        }
        int radix = 10;
        int at = 0;
        if (s.startsWith("0x") || s.startsWith("0X")) {
            radix = 16;
            at = 2;
        } else if (s.startsWith("0")) {
            radix = 8;
        }
        long n = 0;
        int start = at;
        while (at < s.length() && Character.digit(s.charAt(at), radix) >= 0 && n < NMI_INVALID) {
            n = n * radix + Character.digit(s.charAt(at++), radix);
        }
        if (at == start || n >= NMI_INVALID) {
            return current;
        }
        return (int) n;
    }

    private static BootFailure nmiWatchdogPanic() {
        return new BootFailure("nmi_watchdog=1 on an HVM guest", List.of(
                "Kernel panic - not syncing: IO-APIC + timer doesn't work!  Boot with apic=debug and send a report."
                        + "  Then try booting with the 'noapic' option.",
                "xensim: nmi_watchdog=1 asks for the I/O APIC NMI watchdog, which routes timer interrupts through"
                        + " the I/O APIC as NMIs; a Xen HVM guest's emulated I/O APIC does not deliver them as NMIs,"
                        + " so the kernel's timer check fails and it panics at boot.",
                "xensim: remove nmi_watchdog=1 (or nmi_watchdog=ioapic) from the guest's kernel command line (extra="
                        + " in the domain config) and boot again; nmi_watchdog=0 turns the watchdog off."),
                PANIC_EXIT_STATUS);
    }
}
