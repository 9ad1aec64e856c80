package io.xensim.hvm.platform;

import static io.xensim.hvm.platform.KernelLogLine.debug;
import static io.xensim.hvm.platform.KernelLogLine.err;
import static io.xensim.hvm.platform.KernelLogLine.info;
import static io.xensim.hvm.platform.KernelLogLine.warning;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The guest side of the emulated-device unplug protocol, as a Linux PV-on-HVM kernel runs it early in boot: read
 * the magic at port 0x10 (2 bytes) and the protocol version at 0x12 (1 byte); for version 1 write the product
 * number 3 (2 bytes to 0x12) and the build number 1 (4 bytes to 0x10), and read the magic again, a changed magic
 * meaning the host blacklisted these drivers; then write the unplug mask (2 bytes to 0x10). Every step is a port
 * access through the guest's {@link IoPortBus}, so a VM exit.
 *
 * <p>The mask is Linux's {@code xen_emul_unplug} (the command line decides it): {@code XEN_UNPLUG_*} bits, with 0
 * meaning "the default": NICs and IDE disks when netfront and blkfront are built in, with the kernel's notes.
 * {@code XEN_UNPLUG_NEVER} skips the protocol altogether (no port access); {@code XEN_UNPLUG_UNNECESSARY} (RHEL
 * 6's {@code ignore}) runs the checks but writes no mask, and also lets a host without the protocol (magic absent)
 * through.
 *
 * <p><b>Threading:</b> the guest vCPU's thread.
 *
 * <p><b>Reference:</b> Linux 6.1 {@code arch/x86/xen/platform-pci-unplug.c} ({@code check_platform_magic},
 * {@code xen_unplug_emulated_devices}) and {@code include/xen/platform_pci.h} (ports and values).
 */
public final class XenUnplug {
    public static final int XEN_IOPORT_MAGIC_VAL = 0x49d2;
    public static final int XEN_IOPORT_LINUX_PRODNUM = 0x0003;
    public static final int XEN_IOPORT_LINUX_DRVVER = 0x0001;
    public static final int XEN_IOPORT_BASE = 0x10;
    /** 1-byte R/W. */
    public static final int XEN_IOPORT_PLATFLAGS = XEN_IOPORT_BASE;
    /** 2-byte R. */
    public static final int XEN_IOPORT_MAGIC = XEN_IOPORT_BASE;
    /** 2-byte W. */
    public static final int XEN_IOPORT_UNPLUG = XEN_IOPORT_BASE;
    /** 4-byte W. */
    public static final int XEN_IOPORT_DRVVER = XEN_IOPORT_BASE;
    /** 1-byte W. */
    public static final int XEN_IOPORT_SYSLOG = XEN_IOPORT_BASE + 2;
    /** 1-byte R. */
    public static final int XEN_IOPORT_PROTOVER = XEN_IOPORT_BASE + 2;
    /** 2-byte W. */
    public static final int XEN_IOPORT_PRODNUM = XEN_IOPORT_BASE + 2;

    public static final int XEN_UNPLUG_ALL_IDE_DISKS = 1;
    public static final int XEN_UNPLUG_ALL_NICS = 2;
    public static final int XEN_UNPLUG_AUX_IDE_DISKS = 4;
    public static final int XEN_UNPLUG_ALL = 7;
    public static final int XEN_UNPLUG_UNNECESSARY = 8;
    /** RHEL 6's name for {@link #XEN_UNPLUG_UNNECESSARY}: check the magic, write no mask. */
    public static final int XEN_UNPLUG_IGNORE = XEN_UNPLUG_UNNECESSARY;
    public static final int XEN_UNPLUG_NEVER = 16;

    /** How the protocol ended. */
    public enum Outcome {
        /** {@code XEN_UNPLUG_NEVER}: no port touched; the platform driver is not enabled. */
        NEVER,
        /** The checks passed and the mask was written. */
        UNPLUGGED,
        /** The checks passed (or the protocol is absent and unplug is unnecessary), and no mask was written. */
        NOT_WRITTEN,
        /** The magic was not 0x49d2 (no platform device): the platform driver is not enabled. */
        NO_MAGIC,
        /** A protocol version other than 1: not enabled. */
        UNKNOWN_PROTOCOL,
        /** The host blacklisted these drivers: not enabled. */
        BLACKLISTED
    }

    /**
     * What the protocol did: its outcome, the mask Linux keeps afterwards ({@code xen_platform_pci_unplug}, 0 when
     * the platform driver stays off), the mask written to the port if any, and the kernel's lines.
     */
    public record Result(Outcome outcome, int platformPciUnplug, OptionalInt maskWritten, List<KernelLogLine> log) {
        public Result {
            log = List.copyOf(log);
        }

        /** Whether the Xen platform PCI driver may go on (grant table, xenbus, PV frontends). */
        public boolean platformDriverEnabled() {
            return outcome == Outcome.UNPLUGGED || outcome == Outcome.NOT_WRITTEN;
        }
    }

    /** Which PV frontends the kernel has (Linux's {@code xen_must_unplug_nics}/{@code _disks}). */
    public record Frontends(boolean netfront, boolean blkfront) {
        public static final Frontends BOTH = new Frontends(true, true);
    }

    private XenUnplug() {
    }

    /** {@code xen_unplug_emulated_devices} with {@code xenEmulUnplug} as the command line set it. */
    public static Result run(IoPortBus bus, int xenEmulUnplug, Frontends frontends) {
        Objects.requireNonNull(bus, "bus");
        var log = new ArrayList<KernelLogLine>();
        int mask = xenEmulUnplug;
        if ((mask & XEN_UNPLUG_NEVER) != 0) {
            return new Result(Outcome.NEVER, 0, OptionalInt.empty(), log);
        }
        Outcome check = checkPlatformMagic(bus, log);
        if (check != null && !(check == Outcome.NO_MAGIC && (mask & XEN_UNPLUG_UNNECESSARY) != 0)) {
            return new Result(check, 0, OptionalInt.empty(), log);
        }
        if (mask == 0) {
            if (frontends.netfront()) {
                log.add(info("Netfront and the Xen platform PCI driver have been compiled for this kernel: "
                        + "unplug emulated NICs."));
                mask |= XEN_UNPLUG_ALL_NICS;
            }
            if (frontends.blkfront()) {
                log.add(info("Blkfront and the Xen platform PCI driver have been compiled for this kernel: "
                        + "unplug emulated disks."));
                log.add(info("You might have to change the root device"));
                log.add(info("from /dev/hd[a-d] to /dev/xvd[a-d]"));
                log.add(info("in your root= kernel command line option"));
                mask |= XEN_UNPLUG_ALL_IDE_DISKS;
            }
        }
        if ((mask & XEN_UNPLUG_UNNECESSARY) != 0) {
            return new Result(Outcome.NOT_WRITTEN, mask, OptionalInt.empty(), log);
        }
        bus.out(XEN_IOPORT_UNPLUG, 2, mask);
        return new Result(Outcome.UNPLUGGED, mask, OptionalInt.of(mask & 0xffff), log);
    }

    /** {@code check_platform_magic}: null when the protocol may go on, else why not. */
    private static Outcome checkPlatformMagic(IoPortBus bus, List<KernelLogLine> log) {
        int magic = bus.in(XEN_IOPORT_MAGIC, 2);
        if (magic != XEN_IOPORT_MAGIC_VAL) {
            log.add(err("Xen Platform PCI: unrecognised magic value"));
            return Outcome.NO_MAGIC;
        }
        int protocol = bus.in(XEN_IOPORT_PROTOVER, 1);
        log.add(debug("Xen Platform PCI: I/O protocol version " + (byte) protocol));
        if (protocol != 1) {
            log.add(warning("Xen Platform PCI: unknown I/O protocol version"));
            return Outcome.UNKNOWN_PROTOCOL;
        }
        bus.out(XEN_IOPORT_PRODNUM, 2, XEN_IOPORT_LINUX_PRODNUM);
        bus.out(XEN_IOPORT_DRVVER, 4, XEN_IOPORT_LINUX_DRVVER);
        if (bus.in(XEN_IOPORT_MAGIC, 2) != XEN_IOPORT_MAGIC_VAL) {
            log.add(err("Xen Platform: blacklisted by host"));
            return Outcome.BLACKLISTED;
        }
        return null;
    }

    /**
     * Sends {@code line} to the device model's log a byte at a time through the log port, newline-terminated, as
     * the protocol lets drivers do once they have checked the magic (Linux itself never does; Windows PV drivers
     * do). One exit per byte.
     */
    public static void syslog(IoPortBus bus, String line) {
        for (byte b : (line + "\n").getBytes(StandardCharsets.ISO_8859_1)) {
            bus.out(XEN_IOPORT_SYSLOG, 1, b & 0xff);
        }
    }
}
