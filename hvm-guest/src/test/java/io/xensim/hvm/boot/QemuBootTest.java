package io.xensim.hvm.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.hvm.cmdline.GuestProfile;
import io.xensim.hvm.config.ToolstackDialect;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.guest.GuestNetInterface;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Guests booted with the real device model ({@link QemuDeviceModel}: the RTL8139 and IDE models with their guest
 * drivers): an emulated-NIC guest and a PV guest on one bridge exchange frames, the emulated disk reads and writes,
 * and a PV guest's unplug really takes the card off the bus and the bridge.
 */
class QemuBootTest {
    final HvmHost host = HvmHost.start(HvmBootTest.IMAGES);

    @AfterEach
    void close() {
        host.close();
    }

    BootedGuest boot(int domid, String name, String mac, String vdev, GuestProfile profile, String cmdline) {
        String cfg = HvmBootTest.config(1, "mac=" + mac, vdev).replace("\"rhel6\"", "\"" + name + "\"");
        return HvmGuest.boot(host, BootRequest.of(name + ".cfg", cfg, QemuDeviceModel.FACTORY).withDomid(domid)
                .withProfile(profile).withCmdline(cmdline)).orElseThrow();
    }

    @Test
    void anEmulatedGuestAndAPvGuestExchangeFramesOnOneBridge() {
        var emulated = boot(1, "seed", "00:16:3e:00:00:01", "hda", GuestProfile.RHEL6_0, "ro root=/dev/hda1");
        var pv = boot(2, "pv", "00:16:3e:00:00:02", "xvda", GuestProfile.LINUX, "ro root=/dev/xvda1");
        GuestNic e = emulated.nic("eth0").orElseThrow();
        GuestNic p = pv.nic("eth0").orElseThrow();
        assertThat(e.driver()).isEqualTo("8139too");
        assertThat(p.driver()).isEqualTo(GuestNic.NETFRONT);
        assertThat(emulated.log()).contains("8139too: 8139too Fast Ethernet driver 0.9.28");
        assertThat(host.bridges().bridge("xenbr0").portNames()).contains("vif1.0-emu", "vif2.0")
                .doesNotContain("vif2.0-emu");

        List<Frame> atPv = new ArrayList<>();
        List<Frame> atEmulated = new ArrayList<>();
        host.onDomain(pv.domain(), () -> {
            p.iface().setReceiver(atPv::add);
            return null;
        });
        host.onDomain(emulated.domain(), () -> {
            e.iface().setReceiver(atEmulated::add);
            return null;
        });
        Frame hello = udp(e, p, "hello from the RTL8139");
        assertThat(host.onDomain(emulated.domain(), () -> e.iface().send(hello)))
                .isEqualTo(GuestNetInterface.SendResult.SENT);
        host.runUntilIdle();
        assertThat(atPv).hasSize(1);
        assertThat(atPv.getFirst().toByteArray()).isEqualTo(hello.toByteArray());

        Frame back = udp(p, e, "hello from netfront");
        host.onDomain(pv.domain(), () -> p.iface().send(back));
        host.runUntilIdle();
        assertThat(atEmulated).hasSize(1);
        assertThat(atEmulated.getFirst().toByteArray()).isEqualTo(back.toByteArray());
        assertThat(emulated.exits()).as("the emulated path costs port I/O").isGreaterThan(pv.exits());

        emulated.shutdown();
        pv.shutdown();
        assertThat(host.bridges().bridge("xenbr0").portNames()).isEmpty();
    }

    @Test
    void thePvGuestsUnplugTakesTheCardAndTheIdeDiskAway() {
        var pv = boot(1, "pv", "00:16:3e:00:00:01", "hda", GuestProfile.RHEL6_0, "ro xen_pv_hvm=enable");
        assertThat(pv.deviceModel().nics()).singleElement().satisfies(n -> assertThat(n.plugged()).isFalse());
        assertThat(pv.deviceModel().disks()).singleElement().satisfies(d -> assertThat(d.plugged()).isFalse());
        assertThat(pv.platform().pciDevices()).noneMatch(d -> d.vendorId() == 0x10ec);
        assertThat(host.bridges().bridge("xenbr0").portNames()).containsExactly("vif1.0");
        assertThat(pv.nics()).extracting(GuestNic::driver).containsExactly(GuestNic.NETFRONT);
        assertThat(pv.disks()).extracting(GuestDisk::name).containsExactly("xvda");
        pv.shutdown();
    }

    @Test
    void theEmulatedDiskReadsWhatItWrote() {
        var guest = boot(1, "seed", "00:16:3e:00:00:01", "hda", GuestProfile.RHEL6_0, "ro");
        GuestDisk sda = guest.disk("sda").orElseThrow();
        assertThat(sda.driver()).isEqualTo(QemuDeviceModel.ATA_DRIVER);
        assertThat(guest.log()).anyMatch(l -> l.startsWith("ata1.00: ATA-7: QEMU HARDDISK"));
        try (Arena arena = Arena.ofConfined()) {
            var out = arena.allocate(4096);
            for (int i = 0; i < 4096; i++) {
                out.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7));
            }
            var in = arena.allocate(4096);
            BlkStatus wrote = host.onDomain(guest.domain(), () -> sda.device().write(16, out).join());
            BlkStatus read = host.onDomain(guest.domain(), () -> sda.device().read(16, in).join());
            assertThat(wrote).isEqualTo(BlkStatus.OK);
            assertThat(read).isEqualTo(BlkStatus.OK);
            assertThat(in.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(out.toArray(ValueLayout.JAVA_BYTE));
        }
        guest.shutdown();
    }

    @Test
    void bothNicsWithOneMacWhenTheGuestKeepsTheEmulatedCard() {
        var guest = boot(1, "seed", "00:16:3e:00:00:01", "hda", GuestProfile.RHEL6_0,
                "ro xen_pv_hvm=enable xen_emul_unplug=ignore");
        assertThat(guest.nics()).extracting(GuestNic::name, GuestNic::driver)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("eth0", "8139too"),
                        org.assertj.core.groups.Tuple.tuple("eth1", GuestNic.NETFRONT));
        assertThat(guest.notes()).anyMatch(n -> n.contains("CONFLICT") && n.contains("the 8139too one is eth0"));
        assertThat(host.bridges().bridge("xenbr0").portNames()).contains("vif1.0", "vif1.0-emu");
        guest.shutdown();
    }

    @Test
    void withTheIdeDiskKeptBothDisksAreOneImage() {
        try (var shared = HvmHost.start(new SharedImages(HvmBootTest.IMAGES))) {
            String cfg = HvmBootTest.config(1, "mac=00:16:3e:00:00:01", "hda");
            var guest = HvmGuest.boot(shared, BootRequest.of("seed.cfg", cfg, QemuDeviceModel.FACTORY)
                    .withCmdline("ro xen_pv_hvm=enable xen_emul_unplug=ignore")).orElseThrow();
            GuestDisk sda = guest.disk("sda").orElseThrow();
            GuestDisk xvda = guest.disk("xvda").orElseThrow();
            assertThat(guest.notes()).anyMatch(n -> n.contains("CONFLICT: disk hda"));
            try (Arena arena = Arena.ofConfined()) {
                var out = arena.allocate(512);
                out.fill((byte) 0x5a);
                var in = arena.allocate(512);
                assertThat(shared.onDomain(guest.domain(), () -> sda.device().write(8, out).join()))
                        .isEqualTo(BlkStatus.OK);
                var read = shared.onDomain(guest.domain(), () -> xvda.device().read(8, in));
                shared.runUntilIdle();
                assertThat(read.join()).isEqualTo(BlkStatus.OK);
                assertThat(in.toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0x5a);
            }
            guest.shutdown();
        }
    }

    /** Rows of {@link HvmBootTest}'s table again, with the real card and controller answering the unplug. */
    @ParameterizedTest(name = "{2}/{3}: {0} | {1}")
    @CsvSource(delimiter = '|', value = {
            "ro root=/dev/hda1                   | type=netfront | rhel6.0 | XM | -                              | sda=ata_piix",
            "ro root=/dev/hda1 xen_pv_hvm=enable | type=netfront | rhel6.0 | XM | eth0=xen-netfront              | xvda=xen-blkfront",
            "ro xen_emul_unplug=never            | type=ioemu    | linux   | XL | eth0=8139too                   | sda=ata_piix",
            "ro xen_emul_unplug=unnecessary      | type=ioemu    | linux   | XL | eth0=8139too,eth1=xen-netfront | sda=ata_piix,xvda=xen-blkfront",
            "ro nopv                             | type=ioemu    | linux   | XL | eth0=8139too                   | sda=ata_piix",
            "ro                                  | type=ioemu    | linux   | XL | eth0=xen-netfront              | xvda=xen-blkfront",
    })
    void theRealDeviceModelGivesTheSameDevices(String cmdline, String type, String profile, ToolstackDialect dialect,
            String nics, String disks) {
        String cfg = HvmBootTest.config(1, type + ",mac=00:16:3e:00:00:01", "hda");
        var guest = HvmGuest.boot(host, BootRequest.of("seed.cfg", cfg, QemuDeviceModel.FACTORY)
                .withProfile(GuestProfile.fromId(profile).orElseThrow()).withDialect(dialect).withCmdline(cmdline))
                .orElseThrow();
        String haveNics = String.join(",", guest.nics().stream().map(n -> n.name() + "=" + n.driver()).toList());
        String haveDisks = String.join(",", guest.disks().stream().map(d -> d.name() + "=" + d.driver()).sorted()
                .toList());
        assertThat(haveNics.isEmpty() ? "-" : haveNics).as("%s", String.join("\n", guest.log())).isEqualTo(nics);
        assertThat(haveDisks).isEqualTo(disks);
        guest.shutdown();
    }

    private static Frame udp(GuestNic from, GuestNic to, String text) {
        return new FrameBuilder(from.mac(), to.mac()).ipv4(Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.2"))
                .identification(1).udp(40000, 5000).payload(text.getBytes(StandardCharsets.US_ASCII)).build();
    }
}
