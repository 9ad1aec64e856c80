package io.xensim.xenbus.attach;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testkit.HostTools;
import io.xensim.testkit.OutsidePrograms;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.event.Evtchn;
import io.xensim.xenbus.grant.GnttabStatus;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A C program linked against Debian's libxengnttab and libxenevtchn, run with {@code LD_PRELOAD} of the attach
 * library as dom0, against guest 1's grants and ports ({@code testkit/src/main/c/attach-checks.c}): every call is
 * answered as Xen and Linux's gntdev/evtchn answer it, its writes land in the guest's memory, and what it still
 * holds when it exits is released. Needs gcc and libxen-dev.
 */
class AttachServerTest {
    private static final int EINVAL = 22, ENOTCONN = 107;

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void anOutsideProcessIsCheckedAsADomainIs() throws Exception {
        HostTools.requireGccAndXenHeaders();
        Path library = AttachLibrary.build(dir.resolve("lib"));
        Path checks = OutsidePrograms.build(OutsidePrograms.ATTACH_CHECKS, dir.resolve("bin"), "xengnttab",
                "xenevtchn");
        BlockingQueue<Detached> detached = new LinkedBlockingQueue<>();
        try (var hv = Hypervisor.create(ThreadingMode.DEDICATED);
                var server = AttachServer.start(hv, dir.resolve("attach.sock"))) {
            server.allow(0).onDetach(detached::add);
            Domain dom0 = hv.createDomain(DomainConfig.of(0, "Domain-0", 16));
            Domain guest = hv.createDomain(DomainConfig.of(1, "guest1", 16).withMemoryFile(dir.resolve("g1.mem")));
            long gfnA = guest.memory().allocateFrame();
            long gfnB = guest.memory().allocateFrame();
            MemorySegment a = guest.memory().frame(gfnA);
            for (int i = 0; i < 16; i++) {
                a.set(ValueLayout.JAVA_BYTE, i, (byte) (i + 1));
            }
            int ro = guest.grantTable().grantAccess(0, gfnA, true);
            int rw = guest.grantTable().grantAccess(0, gfnB, false);
            int foreign = guest.grantTable().grantAccess(5, gfnA, true);
            int guestPort = guest.eventChannels().allocUnbound(0);
            // The guest answers each notification with one of its own.
            guest.eventChannels().bindHandler(guestPort, p -> guest.eventChannels().send(p));

            var builder = new ProcessBuilder(checks.toString(), "1", Integer.toString(ro), Integer.toString(rw),
                    Integer.toString(foreign), Integer.toString(guestPort));
            builder.environment().putAll(AttachLibrary.environment(library, server.socketPath(),
                    dir.resolve("no-xenstored"), 0));
            builder.redirectError(ProcessBuilder.Redirect.INHERIT);
            Process process = builder.start();
            Map<String, Long> got = new HashMap<>();
            try (var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null && !line.equals("ready 1"); ) {
                    String[] kv = line.split(" ");
                    got.put(kv[0], Long.parseLong(kv[1]));
                }
                assertThat(got).containsEntry("open", 1L)
                        // A read-only grant mapped writable: Xen says GNTST_permission_denied, gntdev EINVAL.
                        .containsEntry("map-ro-ref-writable", 0L).containsEntry("map-ro-ref-writable-errno", (long) EINVAL)
                        .containsEntry("map-ro-ref-readonly", 1L).containsEntry("ro-first-byte", 1L)
                        .containsEntry("map-bad-ref", 0L).containsEntry("map-bad-ref-errno", (long) EINVAL)
                        .containsEntry("map-foreign-ref", 0L) // granted to d5, not to dom0
                        .containsEntry("map-bad-domain", 0L)
                        .containsEntry("map-rw-ref", 1L)
                        .containsEntry("map-two", 1L).containsEntry("two-second-page-byte-100", (long) 'f')
                        .containsEntry("unmap-two", 0L)
                        .containsEntry("unmap-wrong-address", -1L).containsEntry("unmap-wrong-address-errno", (long) EINVAL)
                        .containsEntry("unmap-ro", 0L)
                        .containsEntry("copy", 0L).containsEntry("copy-status-0", (long) GnttabStatus.GNTST_okay)
                        .containsEntry("copy-byte-0", 2L)
                        .containsEntry("copy-status-1", (long) GnttabStatus.GNTST_bad_copy_arg)
                        .containsEntry("unmask", 0L).containsEntry("notify", 0L)
                        .containsEntry("notify-not-ours", -1L).containsEntry("notify-not-ours-errno", (long) ENOTCONN)
                        .containsEntry("bind-again", -1L).containsEntry("bind-again-errno", (long) EINVAL);
                long port = got.get("bind");
                assertThat(port).isPositive();
                assertThat(got).containsEntry("first-pending", port).containsEntry("pending", port);

                // Real shared memory: the C write through its mapping is in the guest's frame.
                byte[] written = guest.memory().frame(gfnB).asSlice(100, 6).toArray(ValueLayout.JAVA_BYTE);
                assertThat(new String(written, StandardCharsets.US_ASCII)).isEqualTo("from C");
                assertThat(dom0.grantOps().activeMappings()).as("the rw map is still held").isEqualTo(1);
                assertThat(guest.eventChannels().status(guestPort).status()).isEqualTo(Evtchn.EVTCHNSTAT_interdomain);

                process.getOutputStream().close(); // the program exits, holding its map and its port
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            Detached gone = detached.poll(30, TimeUnit.SECONDS);
            assertThat(gone).isNotNull();
            assertThat(gone.domid()).isZero();
            assertThat(gone.mapsOutstanding()).isEqualTo(1);
            assertThat(gone.portsClosed()).isEqualTo(1);
            assertThat(dom0.grantOps().activeMappings()).as("released at close").isZero();
            assertThat(guest.eventChannels().status(guestPort).status()).as("the guest's port is unbound again")
                    .isEqualTo(Evtchn.EVTCHNSTAT_unbound);
            assertThat(guest.grantTable().endForeignAccess(rw)).as("the rw grant can be revoked").isTrue();
        }
    }

    @Test
    @Timeout(60)
    void aDomainTheServerWasNotToldOfIsRefused() throws Exception {
        HostTools.requireGccAndXenHeaders();
        Path library = AttachLibrary.build(dir.resolve("lib"));
        Path probe = dir.resolve("probe.c");
        java.nio.file.Files.writeString(probe, """
                #include <errno.h>
                #include <stdio.h>
                #include <xengnttab.h>
                int main(void) {
                    xengnttab_handle *h = xengnttab_open(NULL, 0);
                    printf("%d %d\\n", h != NULL, errno);
                    return 0;
                }
                """);
        AttachLibrary.gcc(List.of("-o", dir.resolve("probe").toString(), probe.toString(), "-lxengnttab"), dir);
        try (var hv = Hypervisor.create(ThreadingMode.DEDICATED);
                var server = AttachServer.start(hv, dir.resolve("attach.sock"))) {
            hv.createDomain(DomainConfig.of(0, "Domain-0", 16));
            server.allow(0);
            var builder = new ProcessBuilder(dir.resolve("probe").toString());
            builder.environment().putAll(AttachLibrary.environment(library, server.socketPath(), dir, 3));
            Process process = builder.start();
            String line = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(line).as("xengnttab_open as d3: NULL, EPERM").isEqualTo("0 1");
        }
    }
}
