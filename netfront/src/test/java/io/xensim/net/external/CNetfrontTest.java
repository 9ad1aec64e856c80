package io.xensim.net.external;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.back.Vif;
import io.xensim.net.bridge.Bridges;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.front.NetfrontDevice;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.net.guest.GuestResponder;
import io.xensim.testkit.HostTools;
import io.xensim.testkit.OutsidePrograms;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.attach.AttachLibrary;
import io.xensim.xenbus.attach.AttachServer;
import io.xensim.xenbus.store.socket.XenstoredSocketOptions;
import io.xensim.xenbus.store.socket.XenstoredSocketServer;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A C netfront outside the JVM (testkit's {@code netfront.c}: libxengntshr, libxenevtchn, libxenstore, FRONT_RING
 * and netif.h from Debian's libxen-dev) acting as guest 1, its xenstore connection acting as dom1, driving the
 * real Java netback: its ARP and ping reach guest 2 (Java netfront with a responder) over bridge xenbr0 and the
 * answers come back. Rogue variants get netback's fatal error (the vif disabled), and guest 2 is not affected.
 * Needs gcc and libxen-dev.
 */
@Timeout(120)
class CNetfrontTest {
    private static final Ipv4Address PEER = Ipv4Address.of("10.0.0.2");

    @TempDir
    Path dir;

    private Path library;
    private Path netfront;
    private Hypervisor hv;
    private Toolstack toolstack;
    private XenstoredSocketServer xenstored;
    private AttachServer attach;
    private ManagedDomain guest2;
    private GuestResponder responder;
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        HostTools.requireGccAndXenHeaders();
        library = AttachLibrary.build(dir.resolve("lib"));
        netfront = OutsidePrograms.build(OutsidePrograms.NETFRONT, dir.resolve("bin"), "xenstore", "xengnttab",
                "xenevtchn");
        hv = Hypervisor.create(ThreadingMode.DEDICATED);
        toolstack = Toolstack.start(hv);
        var netback = new Netback(new Bridges(), NetbackConfig.defaults());
        toolstack.await(netback.install(toolstack));
        toolstack.await(toolstack.createDomain(DomainConfig.of(1, "guest1", 16)
                .withMemoryFile(dir.resolve("guest1.mem"))));
        guest2 = toolstack.await(toolstack.createDomain(DomainConfig.of(2, "guest2", 16)));
        toolstack.await(guest2.frontends().register(NetfrontDrivers.frontend(NetfrontConfig.DEFAULT)));
        xenstored = XenstoredSocketServer.start(toolstack.xenstored(), dir.resolve("xenstored-d1.sock"),
                XenstoredSocketOptions.dom0().actingAs(1));
        attach = AttachServer.start(hv, dir.resolve("attach.sock")).allow(1);
        for (int domid = 1; domid <= 2; domid++) {
            toolstack.await(toolstack.addDevice(DeviceConfig.vif(domid, 0, 0,
                    String.format("00:16:3e:00:00:%02x", domid), "xenbr0", false, true,
                    DeviceConfig.NIC_MTU_DEFAULT)));
        }
        assertThat(until(() -> front2().isPresent())).as("guest 2's netfront probed").isTrue();
        responder = on(() -> GuestResponder.attach(front2().orElseThrow(), PEER)).join();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (attach != null) {
            attach.close();
        }
        if (xenstored != null) {
            xenstored.close();
        }
        if (toolstack != null) {
            toolstack.close();
        }
        if (hv != null) {
            hv.close();
        }
    }

    private Optional<NetfrontDevice> front2() {
        return guest2.frontends().device("vif", 2, 0).map(d -> (NetfrontDevice) d.handler());
    }

    private Process startNetfront(Path log, String... flags) throws IOException {
        List<String> command = new ArrayList<>(List.of(netfront.toString(), "1", "10.0.0.1", PEER.toString()));
        command.addAll(List.of(flags));
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(AttachLibrary.environment(library, attach.socketPath(), xenstored.socketPath(),
                1));
        Process p = builder.start();
        processes.add(p);
        return p;
    }

    @Test
    void framesReachTheOtherGuestAndComeBack() throws Exception {
        Path log = dir.resolve("netfront.log");
        Process p = startNetfront(log);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("netfront finished\n%s", read(log)).isTrue();
        assertThat(p.exitValue()).as(read(log)).isZero();
        assertThat(read(log)).contains("arp reply 00:16:3e:00:00:02").contains("echo reply");
        assertThat(responder.arpReplies()).isEqualTo(1);
        assertThat(responder.echoReplies()).isEqualTo(1);
    }

    @Test
    void aSlotCrossingItsPageEndIsFatal() throws Exception {
        assertFatal("Cross page boundary", "--rogue-cross-page");
    }

    @Test
    void tooManySlotsIsFatal() throws Exception {
        // xenvif_count_requests() stops counting at the threshold and names it.
        assertFatal("Malicious frontend using 20 slots, threshold 20", "--rogue-slots", "24");
    }

    @Test
    void aRequestProducerPastTheRingIsFatal() throws Exception {
        assertFatal("Impossible number of requests", "--rogue-req-prod");
    }

    private void assertFatal(String cause, String... flags) throws Exception {
        Path log = dir.resolve("rogue.log");
        startNetfront(log, flags);
        assertThat(until(() -> read(log).contains("rogue sent"))).as(read(log)).isTrue();
        assertThat(until(() -> vif1().map(Vif::disabled).orElse(false))).as("vif 1 disabled\n%s", read(log))
                .isTrue();
        Vif vif = vif1().orElseThrow();
        assertThat(vif.carrierOk()).isFalse();
        assertThat(vif.disabledReason().orElseThrow()).contains(cause);
        assertThat(Netback.device(toolstack, 2, 0).orElseThrow().vif().carrierOk()).as("guest 2 unaffected")
                .isTrue();
    }

    private Optional<Vif> vif1() {
        return Netback.device(toolstack, 1, 0).map(d -> d.vif());
    }

    private <T> CompletableFuture<T> on(Supplier<T> action) {
        var result = new CompletableFuture<T>();
        guest2.domain().executor().execute(() -> {
            try {
                result.complete(action.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    private static String read(Path log) {
        return OutsidePrograms.output(log);
    }

    /** Polls {@code condition} until it holds, for at most 30 s. */
    private static boolean until(BooleanSupplier condition) {
        return OutsidePrograms.await(Duration.ofSeconds(30), condition);
    }
}
