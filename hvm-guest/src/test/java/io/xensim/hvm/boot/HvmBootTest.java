package io.xensim.hvm.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.image.MemoryImage;
import io.xensim.hvm.cmdline.GuestProfile;
import io.xensim.hvm.config.ToolstackDialect;
import io.xensim.blk.image.RawImage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The seed's guest booted through the whole sequence (xl create, the device model, Xen detection, the unplug
 * protocol, xenbus, netfront and blkfront against the real netback and blkback) for command lines x configs x
 * profiles x dialects, checked by the devices the guest ends up with. The emulated twins come from
 * {@link FakeDeviceModel}, which has no data path; the RTL8139 and IDE models are exercised elsewhere.
 */
class HvmBootTest {
    static final String SEED = """
            # the seed's guest: RHEL 6.0, a vif with xend's type=netfront advice
            name = "rhel6"
            builder = "hvm"
            memory = 64
            vcpus = 2
            xen_platform_pci = %d
            vif = [ '%s' ]
            disk = [ 'file:/srv/rhel6.img,%s,w' ]
            extra = "ro root=/dev/hda1"
            """;
    static final String MAC = "00:16:3e:11:22:33";

    /** Every open is a fresh 4 MiB image. */
    static final ImageOpener IMAGES = (params, writable) -> {
        if (params.contains("missing")) {
            throw new IOException("No such file or directory");
        }
        return MemoryImage.create(params, 8192);
    };

    final HvmHost host = HvmHost.start(IMAGES);

    @AfterEach
    void close() {
        host.close();
    }

    static String config(int platformPci, String vif, String vdev) {
        return SEED.formatted(platformPci, vif, vdev);
    }

    BootOutcome boot(String cfg, String cmdline, String profile, ToolstackDialect dialect) {
        var request = BootRequest.of("rhel6.cfg", cfg, FakeDeviceModel.FACTORY)
                .withProfile(GuestProfile.fromId(profile).orElseThrow()).withDialect(dialect);
        return HvmGuest.boot(host, cmdline.isEmpty() ? request : request.withCmdline(cmdline));
    }

    /**
     * cmdline, vif, vdev, xen_platform_pci, profile, dialect -> the interfaces ("name=driver" in name order, "-" for
     * none), the block devices, and the kind of note (CONFLICT, NO NETWORK, or "-").
     */
    @ParameterizedTest(name = "{4}/{5}: {0} | {1} | {2} pci={3}")
    @CsvSource(delimiter = '|', value = {
            // the seed: without xen_pv_hvm=enable RHEL 6.0 never loads PV drivers
            "ro root=/dev/hda1                           | type=netfront,mac=" + MAC + " | hda  | 1 | rhel6.0 | XL | eth0=8139too                 | sda=ata_piix                 | -",
            "ro root=/dev/hda1 xen_pv_hvm=enable         | type=netfront,mac=" + MAC + " | hda  | 1 | rhel6.0 | XL | eth0=xen-netfront            | xvda=xen-blkfront            | -",
            "ro xen_pv_hvm=enabled                       | type=netfront,mac=" + MAC + " | hda  | 1 | rhel6.0 | XL | eth0=xen-netfront            | xvda=xen-blkfront            | -",
            // xend: type=netfront means PV only, so without PV the guest has no network at all
            "ro root=/dev/hda1 xen_pv_hvm=enable         | type=netfront,mac=" + MAC + " | hda  | 1 | rhel6.0 | XM | eth0=xen-netfront            | xvda=xen-blkfront            | -",
            "ro root=/dev/hda1                           | type=netfront,mac=" + MAC + " | hda  | 1 | rhel6.0 | XM | -                            | sda=ata_piix                 | NO NETWORK",
            "ro root=/dev/hda1                           | type=vif,mac=" + MAC + "      | hda  | 1 | rhel6.0 | XL | -                            | sda=ata_piix                 | NO NETWORK",
            // PV bound, emulated kept: one MAC twice
            "ro xen_pv_hvm=enable xen_emul_unplug=ignore | type=ioemu,mac=" + MAC + "    | hda  | 1 | rhel6.0 | XL | eth0=8139too,eth1=xen-netfront | sda=ata_piix,xvda=xen-blkfront | CONFLICT",
            "ro xen_emul_unplug=unnecessary              | mac=" + MAC + "               | xvda | 1 | linux   | XL | eth0=8139too,eth1=xen-netfront | sda=ata_piix,xvda=xen-blkfront | CONFLICT",
            // Linux 6.1: any unplug bit lets both frontends load (xen_has_pv_devices), so nics keeps the IDE disk too
            "ro xen_emul_unplug=nics                     | mac=" + MAC + "               | xvda | 1 | linux   | XL | eth0=xen-netfront            | sda=ata_piix,xvda=xen-blkfront | CONFLICT",
            "ro                                          | mac=" + MAC + "               | xvda | 1 | linux   | XL | eth0=xen-netfront            | xvda=xen-blkfront            | -",
            "ro xen_emul_unplug=never                    | mac=" + MAC + "               | xvda | 1 | linux   | XL | eth0=8139too                 | sda=ata_piix                 | -",
            "ro nopv                                     | mac=" + MAC + "               | xvda | 1 | linux   | XL | eth0=8139too                 | sda=ata_piix                 | -",
            "ro xen_nopv                                 | type=vif,mac=" + MAC + "      | xvda | 1 | linux   | XL | -                            | sda=ata_piix                 | NO NETWORK",
            // no platform device: the magic reads 0xffff, no PV driver can load
            "ro                                          | mac=" + MAC + "               | xvda | 0 | linux   | XL | eth0=8139too                 | sda=ata_piix                 | -",
            // a fifth disk has no IDE twin
            "ro root=/dev/xvde1                          | mac=" + MAC + "               | xvde | 1 | linux   | XL | eth0=xen-netfront            | xvde=xen-blkfront            | -",
            // RHEL 6 with PV on but no platform device: the unplug check fails, the guest stays emulated
            "ro xen_pv_hvm=enable                        | type=netfront,mac=" + MAC + " | hda  | 0 | rhel6.0 | XL | eth0=8139too                 | sda=ata_piix                 | -",
    })
    void theGuestEndsUpWithTheseDevices(String cmdline, String vif, String vdev, int pci, String profile,
            ToolstackDialect dialect, String expectedNics, String expectedDisks, String note) {
        BootedGuest guest = boot(config(pci, vif, vdev), cmdline, profile, dialect).orElseThrow();
        assertThat(render(guest.nics().stream().map(n -> n.name() + "=" + n.driver()).toList()))
                .as("%s", String.join("\n", guest.log())).isEqualTo(expectedNics);
        assertThat(render(guest.disks().stream().map(d -> d.name() + "=" + d.driver()).sorted().toList()))
                .as("%s", String.join("\n", guest.log())).isEqualTo(expectedDisks);
        if (note.equals("-")) {
            assertThat(guest.notes()).noneMatch(n -> n.contains("CONFLICT") || n.contains("NO NETWORK"));
        } else {
            assertThat(guest.notes()).anyMatch(n -> n.contains(note));
        }
        guest.nics().forEach(n -> assertThat(n.mac().toString()).isEqualTo(MAC));
        guest.shutdown();
    }

    private static String render(java.util.List<String> items) {
        return items.isEmpty() ? "-" : String.join(",", items);
    }

    @Test
    void theSeedUnderXlExplainsTypeNetfrontAndKeepsTheEmulatedCard() {
        var guest = boot(config(1, "type=netfront,mac=" + MAC, "hda"), "", "rhel6.0", ToolstackDialect.XL)
                .orElseThrow();
        assertThat(guest.log()).contains("Parsing config from rhel6.cfg", "Invalid parameter `type'.",
                "xensim: dom1 (rhel6) created: 64 MiB, 2 vCPUs, xen_platform_pci=1, toolstack xl, guest kernel rhel6.0",
                "Command line: ro root=/dev/hda1", "Hypervisor detected: Xen HVM", "Xen version 4.17.");
        assertThat(guest.log()).anyMatch(l -> l.contains("type=netfront, which is xend (xm) syntax"));
        assertThat(guest.log()).noneMatch(l -> l.contains("Initialising Xen virtual ethernet driver"));
        assertThat(guest.notes()).anyMatch(n -> n.contains("xen_pv_hvm=enable"));
        assertThat(guest.interfaceTable()).containsExactly("Network interfaces:",
                "NAME  DRIVER   MAC                BRIDGE  BACKING",
                "eth0  8139too  00:16:3e:11:22:33  xenbr0  vif1.0-emu (emulated rtl8139 at 00:04.0)");
        assertThat(guest.machine().platformDevice().orElseThrow().unplugRequests()).isEmpty();
        guest.shutdown();
    }

    @Test
    void aPvGuestLogsEachStepInLinuxsWordsAndUnplugsNicsAndDisks() {
        var guest = boot(config(1, "mac=" + MAC, "hda"), "ro root=/dev/hda1 xen_pv_hvm=enable", "rhel6.0",
                ToolstackDialect.XL).orElseThrow();
        assertThat(guest.log()).containsSubsequence("Command line: ro root=/dev/hda1 xen_pv_hvm=enable",
                "Enabling Xen PV-on-HVM", "Hypervisor detected: Xen HVM", "Xen version 4.17.",
                "Netfront and the Xen platform PCI driver have been compiled for this kernel: unplug emulated NICs.",
                "You might have to change the root device", "Grant table initialized",
                "Initialising Xen virtual ethernet driver", "IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready");
        assertThat(guest.log()).anyMatch(l -> l.startsWith("blkfront: xvda: "));
        assertThat(guest.machine().platformDevice().orElseThrow().unplugRequests()).containsExactly(3);
        assertThat(((FakeDeviceModel) guest.deviceModel()).unplugs).containsExactly("ide", "nics");
        assertThat(guest.blockTable()).hasSize(3).last().asString().startsWith("xvda  xen-blkfront  hda   8192");
        guest.shutdown();
    }

    /**
     * HvmHost.externalFrontend: the guest's netfront leaves vif 0 alone (an outside process is to drive it), the
     * boot does not wait for it, the note says so, the emulated NICs are still unplugged and netback waits in
     * InitWait; the disk is the guest's own.
     */
    @Test
    void aVifLeftToAnOutsideFrontendIsNotProbedAndNotWaitedFor() {
        host.externalFrontend("vif", 1, 0);
        var guest = boot(config(1, "mac=" + MAC, "hda"), "ro root=/dev/hda1 xen_pv_hvm=enable", "rhel6.0",
                ToolstackDialect.XL).orElseThrow();
        assertThat(guest.notes()).contains("xensim: vif 0 (MAC " + MAC + ", bridge xenbr0): frontend left to an"
                + " outside process (xensim boot --external)").noneMatch(n -> n.contains("NO NETWORK"));
        assertThat(guest.interfaceTable()).containsExactly("Network interfaces: none");
        assertThat(guest.blockTable()).last().asString().startsWith("xvda  xen-blkfront");
        assertThat(((FakeDeviceModel) guest.deviceModel()).unplugs).containsExactly("ide", "nics");
        assertThat(guest.domain().frontends().device("vif", 1, 0)).isEmpty();
        assertThat(io.xensim.net.back.Netback.device(host.toolstack(), 1, 0).orElseThrow().device().state())
                .isEqualTo(io.xensim.xenbus.bus.XenbusState.INIT_WAIT);
        guest.shutdown();
    }

    /** The seed's 2 vCPUs by default: netfront one queue per vCPU, blkfront's 4 clamped by xlblk_init. */
    @Test
    void theQueuesFollowTheVcpusByDefault() {
        var guest = boot(config(1, "mac=" + MAC, "hda"), "ro xen_pv_hvm=enable", "rhel6.0", ToolstackDialect.XL)
                .orElseThrow();
        assertThat(guest.log()).containsSubsequence("Initialising Xen virtual ethernet driver",
                "Invalid max_queues (4), will use default max: 2.", "xensim: eth0: netfront uses 2 queues",
                "xensim: xvda: blkfront uses 2 rings of 1 page (ring-page-order 0)");
        guest.shutdown();
    }

    /** The module parameters on the command line reach the drivers, and the handshakes negotiate them. */
    @Test
    void theDriversModuleParametersSetQueuesAndRingOrder() {
        var guest = boot(config(1, "mac=" + MAC, "hda"), "ro xen_pv_hvm=enable xen_netfront.max_queues=1"
                + " xen_blkfront.max_queues=1 xen_blkfront.max_ring_page_order=2", "rhel6.0", ToolstackDialect.XL)
                .orElseThrow();
        assertThat(guest.log()).contains("xensim: eth0: netfront uses 1 queue",
                "xensim: xvda: blkfront uses 1 ring of 4 pages (ring-page-order 2)");
        assertThat(guest.log()).noneMatch(l -> l.startsWith("Invalid max_"));
        guest.shutdown();
    }

    /** xlblk_init clamps an order past XENBUS_MAX_RING_GRANT_ORDER; a value that does not parse is reported. */
    @Test
    void anOutOfRangeOrBadParameterIsClampedOrReported() {
        var guest = boot(config(1, "mac=" + MAC, "hda"), "ro xen_pv_hvm=enable xen_netfront.max_queues=lots"
                + " xen_blkfront.max_ring_page_order=9", "rhel6.0", ToolstackDialect.XL).orElseThrow();
        assertThat(guest.log()).containsSubsequence(
                "Booting kernel: `lots' invalid for parameter `xen_netfront.max_queues'",
                "Invalid max_ring_order (9), will use default max: 4.", "xensim: eth0: netfront uses 2 queues",
                "xensim: xvda: blkfront uses 2 rings of 16 pages (ring-page-order 4)");
        guest.shutdown();
    }

    /** More queues than netback offers (up to UINT_MAX) negotiate what netback offers. */
    @ParameterizedTest
    @CsvSource({"8", "9", "4294967295"})
    void moreNetfrontQueuesThanOfferedNegotiateTheOffer(String maxQueues) {
        var guest = boot(config(1, "mac=" + MAC, "hda"), "ro xen_pv_hvm=enable xen_netfront.max_queues=" + maxQueues,
                "rhel6.0", ToolstackDialect.XL).orElseThrow();
        assertThat(guest.log()).contains("xensim: eth0: netfront uses 4 queues");
        guest.shutdown();
    }

    @Test
    void auxIdeDisksKeepsThePrimaryMasterOnIdeAndUnplugsTheRest() {
        String cfg = config(1, "mac=" + MAC, "hda").replace("disk = [ 'file:/srv/rhel6.img,hda,w' ]",
                "disk = [ 'file:/srv/rhel6.img,hda,w', 'file:/srv/data.img,hdb,w' ]");
        var guest = boot(cfg, "ro xen_emul_unplug=aux-ide-disks", "linux", ToolstackDialect.XL).orElseThrow();
        assertThat(((FakeDeviceModel) guest.deviceModel()).unplugs).containsExactly("aux-ide");
        assertThat(guest.disks()).extracting(d -> d.name() + "=" + d.vdev())
                .containsExactlyInAnyOrder("sda=hda", "xvda=hda", "xvdb=hdb");
        assertThat(guest.notes()).anyMatch(n -> n.contains("CONFLICT: disk hda"))
                .noneMatch(n -> n.contains("CONFLICT: disk hdb"));
        assertThat(guest.notes()).as("any unplug bit lets netfront load, and the NICs were kept")
                .anyMatch(n -> n.contains("CONFLICT: vif 0"));
        guest.shutdown();
    }

    @Test
    void aBlacklistedGuestStaysOnItsEmulatedDevices() {
        var request = BootRequest.of("rhel6.cfg", config(1, "mac=" + MAC, "hda"), FakeDeviceModel.FACTORY)
                .withCmdline("ro xen_pv_hvm=enable").withBlacklist(io.xensim.hvm.platform.DriverBlacklist.of(
                        java.util.Set.of(io.xensim.hvm.platform.DriverBlacklist.path("linux", 1))));
        var guest = HvmGuest.boot(host, request).orElseThrow();
        assertThat(guest.log()).contains("Xen Platform: blacklisted by host");
        assertThat(guest.nics()).extracting(GuestNic::driver).containsExactly("8139too");
        assertThat(guest.notes()).anyMatch(n -> n.contains("blacklisted"));
        guest.shutdown();
    }

    @Test
    void nmiWatchdogPanicsTheRhel6GuestAndTheDomainIsGone() {
        BootOutcome outcome = boot(config(1, "mac=" + MAC, "hda"), "ro xen_pv_hvm=enable nmi_watchdog=1",
                "rhel6.0", ToolstackDialect.XL);
        assertThat(outcome).isInstanceOf(BootOutcome.Panicked.class);
        assertThat(outcome.exitStatus()).isNotZero();
        assertThat(outcome.log()).anyMatch(l -> l.startsWith("Kernel panic - not syncing"))
                .anyMatch(l -> l.contains("remove nmi_watchdog=1"));
        assertThat(host.toolstack().domain(1)).isEmpty();
    }

    @Test
    void nmiWatchdogBootsAnUpstreamGuest() {
        assertThat(boot(config(1, "mac=" + MAC, "xvda"), "ro nmi_watchdog=1", "linux", ToolstackDialect.XL))
                .isInstanceOf(BootOutcome.Booted.class);
    }

    @Test
    void configErrorsCreateNothing() {
        BootOutcome bad = boot(config(1, "mac=" + MAC + ",rate=fast", "hda"), "", "linux", ToolstackDialect.XL);
        assertThat(bad).isInstanceOf(BootOutcome.NotCreated.class);
        assertThat(bad.exitStatus()).isEqualTo(HvmGuest.XL_FAILURE);
        assertThat(host.toolstack().domain(1)).isEmpty();

        BootOutcome quote = boot(config(1, "mac=" + MAC, "hda"), "ro \"root=/dev/hda1", "linux", ToolstackDialect.XL);
        assertThat(quote.log()).anyMatch(l -> l.contains("unterminated quote"));
        assertThat(quote.exitStatus()).isNotZero();

        BootOutcome readOnlyIde = boot(SEED.formatted(1, "mac=" + MAC, "hda").replace(",w' ]", ",r' ]"), "",
                "linux", ToolstackDialect.XL);
        assertThat(readOnlyIde.log()).contains("libxl: error: qemu-xen doesn't support read-only IDE disk drivers");
    }

    @Test
    void aQcow2DiskForcedOntoPhyHasNoBackendAndCreatesNothing() {
        var cfg = SEED.formatted(1, "mac=" + MAC, "xvda").replace("'file:/srv/rhel6.img,xvda,w'",
                "'format=qcow2,vdev=xvda,access=rw,backendtype=phy,target=/srv/rhel6.qcow2'");
        BootOutcome outcome = HvmGuest.boot(host, BootRequest.of("rhel6.cfg", cfg, FakeDeviceModel.FACTORY));
        assertThat(outcome).isInstanceOf(BootOutcome.NotCreated.class);
        assertThat(outcome.exitStatus()).isEqualTo(HvmGuest.XL_FAILURE);
        assertThat(outcome.log()).contains("libxl: error: no suitable backend for disk xvda",
                "libxl: error: Domain 1:Unable to set disk defaults for disk 0");
        assertThat(host.toolstack().domain(1)).isEmpty();
    }

    @Test
    void aDiskTheDeviceModelCannotOpenStopsCreation() {
        var cfg = SEED.formatted(1, "mac=" + MAC, "hda").replace("/srv/rhel6.img", "/srv/missing.img");
        var fails = new FakeDeviceModel(1);
        fails.diskError = "Could not open '/srv/missing.img': No such file or directory";
        BootOutcome outcome = HvmGuest.boot(host, BootRequest.of("rhel6.cfg", cfg, (m, g, h) -> fails));
        assertThat(outcome).isInstanceOf(BootOutcome.NotCreated.class);
        assertThat(outcome.log()).anyMatch(l -> l.contains("device model for rhel6 failed to start"));
        assertThat(host.toolstack().domain(1)).isEmpty();
    }

    @Test
    void hotPluggedVifsAndVbdsComeUpButAnEmulatedNicIsRefused() {
        var guest = boot(config(1, "mac=" + MAC, "xvda"), "ro", "linux", ToolstackDialect.XL).orElseThrow();
        var vif = guest.hotplugVif("mac=00:16:3e:00:00:99,bridge=xenbr0");
        assertThat(vif.accepted()).as("%s", vif.log()).isTrue();
        assertThat(guest.nic("eth1")).hasValueSatisfying(n -> {
            assertThat(n.pv()).isTrue();
            assertThat(n.mac().toString()).isEqualTo("00:16:3e:00:00:99");
        });
        var vbd = guest.hotplugDisk("file:/srv/data.img,xvdb,w");
        assertThat(vbd.accepted()).as("%s", vbd.log()).isTrue();
        assertThat(guest.disk("xvdb")).isPresent();
        assertThat(vbd.log()).anyMatch(l -> l.startsWith("blkfront: xvdb: "));

        var emulated = guest.hotplugVif("type=ioemu,mac=00:16:3e:00:00:98");
        assertThat(emulated.accepted()).isFalse();
        assertThat(emulated.log()).anyMatch(l -> l.contains("cannot hot-plug an emulated rtl8139 NIC"));
        assertThat(guest.nics()).hasSize(2);
        assertThat(guest.deviceModel().nics()).hasSize(1);
        guest.shutdown();
    }

    @Test
    void aVifHotPluggedIntoAGuestWithoutPvHasNoDriver() {
        var guest = boot(config(1, "mac=" + MAC, "hda"), "ro", "rhel6.0", ToolstackDialect.XL).orElseThrow();
        var vif = guest.hotplugVif("type=vif,mac=00:16:3e:00:00:99");
        assertThat(vif.accepted()).isFalse();
        assertThat(vif.log()).anyMatch(l -> l.contains("does not use netfront"));
        guest.shutdown();
    }

    @Test
    void aPvGuestWritesItsRawImageFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("guest.img");
        RawImage.create(file, 8192, RawImage.Allocation.SPARSE).close();
        try (var raw = HvmHost.start(HvmHost.rawFiles())) {
            String cfg = config(1, "mac=" + MAC, "xvda").replace("/srv/rhel6.img", file.toString());
            var guest = HvmGuest.boot(raw, BootRequest.of("raw.cfg", cfg, FakeDeviceModel.FACTORY)
                    .withProfile(GuestProfile.LINUX).withCmdline("ro")).orElseThrow();
            GuestDisk xvda = guest.disk("xvda").orElseThrow();
            try (Arena arena = Arena.ofConfined()) {
                var sector = arena.allocate(512);
                sector.fill((byte) 0x33);
                var done = raw.onDomain(guest.domain(), () -> xvda.device().write(2, sector));
                raw.runUntilIdle();
                assertThat(done.join()).isEqualTo(io.xensim.blk.guest.BlkStatus.OK);
            }
            guest.shutdown();
        }
        byte[] bytes = Files.readAllBytes(file);
        assertThat(java.util.Arrays.copyOfRange(bytes, 1024, 1536)).containsOnly((byte) 0x33);
        assertThat(bytes[1023]).isZero();
    }

    @Test
    void aPvGuestWritesItsRawImageThroughAQdiskBackend(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("qdisk.img");
        RawImage.create(file, 8192, RawImage.Allocation.SPARSE).close();
        try (var raw = HvmHost.start(HvmHost.rawFiles())) {
            String cfg = config(1, "mac=" + MAC, "xvda").replace("'file:/srv/rhel6.img,xvda,w'",
                    "'format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=" + file + "'");
            var guest = HvmGuest.boot(raw, BootRequest.of("qdisk.cfg", cfg, FakeDeviceModel.FACTORY)
                    .withProfile(GuestProfile.LINUX).withCmdline("ro")).orElseThrow();
            var xs = raw.toolstack().xs();
            String be = "/local/domain/0/backend/qdisk/1/51712";
            assertThat(raw.await(xs.readOptional("/local/domain/1/device/vbd/51712/backend"))).contains(be);
            assertThat(raw.await(xs.readOptional(be + "/params"))).contains("aio:" + file);
            assertThat(raw.await(xs.readOptional(be + "/script"))).isEmpty();
            assertThat(raw.await(xs.readOptional("/local/domain/0/backend/vbd/1/51712/params"))).isEmpty();
            GuestDisk xvda = guest.disk("xvda").orElseThrow();
            assertThat(xvda.backing()).contains("(qdisk 1/51712)");
            try (Arena arena = Arena.ofConfined()) {
                var sector = arena.allocate(512);
                sector.fill((byte) 0x5a);
                var done = raw.onDomain(guest.domain(), () -> xvda.device().write(3, sector));
                raw.runUntilIdle();
                assertThat(done.join()).isEqualTo(io.xensim.blk.guest.BlkStatus.OK);
                var flushed = raw.onDomain(guest.domain(), () -> xvda.device().flush());
                raw.runUntilIdle();
                assertThat(flushed.join()).isEqualTo(io.xensim.blk.guest.BlkStatus.OK);
            }
            guest.shutdown();
        }
        byte[] bytes = Files.readAllBytes(file);
        assertThat(java.util.Arrays.copyOfRange(bytes, 1536, 2048)).containsOnly((byte) 0x5a);
        assertThat(bytes[1535]).isZero();
    }

    @Test
    void twoGuestsShareTheHost() {
        var one = boot(config(1, "mac=" + MAC, "xvda"), "ro", "linux", ToolstackDialect.XL).orElseThrow();
        var two = HvmGuest.boot(host, BootRequest.of("two.cfg", config(1, "mac=00:16:3e:00:00:02", "xvda")
                .replace("\"rhel6\"", "\"two\""), FakeDeviceModel.FACTORY).withDomid(2)
                .withProfile(GuestProfile.LINUX).withCmdline("ro")).orElseThrow();
        assertThat(one.nics()).extracting(GuestNic::backing).containsExactly("vif1.0 (netback)");
        assertThat(two.nics()).extracting(GuestNic::backing).containsExactly("vif2.0 (netback)");
        assertThat(Optional.of(two.domid())).contains(2);
        one.shutdown();
        two.shutdown();
    }
}
