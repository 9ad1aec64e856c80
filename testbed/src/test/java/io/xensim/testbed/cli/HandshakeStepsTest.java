package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testbed.cli.HandshakeSteps.Lifeline;
import io.xensim.testbed.cli.HandshakeSteps.Step;
import io.xensim.xenbus.trace.TraceEvent;
import io.xensim.xenbus.trace.TraceEvent.Kind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HandshakeStepsTest {
    private static final String FE = "/local/domain/1/device/vif/0";
    private static final String BE = "/local/domain/0/backend/vif/1/0";
    private final HandshakeSteps steps = new HandshakeSteps(FE, BE);

    private static TraceEvent e(int domid, String device, Kind kind, String detail) {
        return new TraceEvent(0, domid, device, kind, detail);
    }

    @Test
    void dom0IsTheToolstackUntilTheBackendProbesAndForTheHotplugScriptsKeys() {
        var out = steps.steps(List.of(
                e(0, "vif/0", Kind.XENSTORE_REQUEST, "XS_WRITE " + FE + "/state = \"1\" (tx 3)"),
                e(0, "", Kind.XENSTORE_REQUEST, "XS_WRITE /libxl/1/device/vif/0/state = \"1\" (tx 3)"),
                e(0, "vif/1/0", Kind.INFO, "probed backend " + BE + ", other end dom1 " + FE),
                e(0, "vif/1/0", Kind.XENSTORE_REQUEST, "XS_WRITE " + BE + "/feature-sg = \"1\" (tx 1)"),
                e(0, "vif/1/0", Kind.XENSTORE_REQUEST, "XS_WRITE " + BE + "/hotplug-status = \"connected\""),
                e(0, "vif/1/0", Kind.XENSTORE_REQUEST, "XS_READ " + BE + "/state"),
                e(0, "vif/1/0", Kind.XENSTORE_REPLY, "XS_READ -> \"1\""),
                e(0, "vif/1/0", Kind.STATE, "backend Initialising -> InitWait (2)"),
                e(1, "vif/0", Kind.XENSTORE_REQUEST, "XS_WRITE " + FE + "/state = \"4\" (tx 2)")));

        assertThat(out).containsExactly(
                new Step(Lifeline.TOOLSTACK, Lifeline.XENSTORE, "write FE/state = \"1\""),
                new Step(Lifeline.DOM0, null, "probed backend BE, other end dom1 FE"),
                new Step(Lifeline.DOM0, Lifeline.XENSTORE, "write BE/feature-sg = \"1\""),
                new Step(Lifeline.TOOLSTACK, Lifeline.XENSTORE, "write BE/hotplug-status = \"connected\""),
                new Step(Lifeline.DOM0, null, "backend Initialising -> InitWait (2)", true),
                new Step(Lifeline.GUEST, Lifeline.XENSTORE, "write FE/state = \"4\""));
    }

    @Test
    void onlyStateWatchesOfTheOtherEndOrTheHotplugWatcherAreDrawn() {
        var out = steps.steps(List.of(
                e(1, "vif/0", Kind.WATCH_EVENT, "XS_WATCH_EVENT " + FE + "/mac token fe:vif"),
                e(1, "vif/0", Kind.WATCH_EVENT, "XS_WATCH_EVENT " + FE + "/state token fe:vif"),
                e(1, "vif/1/0", Kind.WATCH_EVENT, "XS_WATCH_EVENT " + BE + "/state token otherend:" + FE)));

        assertThat(out).containsExactly(new Step(Lifeline.XENSTORE, Lifeline.GUEST, "watch fired BE/state"));
    }

    @Test
    void grantsOfDataPagesAreOneArrowAndHypercallRecordsWithoutADeviceAreDropped() {
        var out = steps.steps(List.of(
                e(1, "vif/0", Kind.GRANT, "gnttab_grant_foreign_access ref 8 -> dom0 gfn 0x2 rw"),
                e(1, "", Kind.EVENT_CHANNEL, "alloc_unbound remote d0 -> port 2"),
                e(1, "vif/0", Kind.GRANT, "gnttab_grant_foreign_access ref 10 -> dom0 gfn 0x4 rw (data page)"),
                e(1, "vif/0", Kind.GRANT, "gnttab_grant_foreign_access ref 11 -> dom0 gfn 0x5 rw (data page)"),
                e(1, "vif/0", Kind.GRANT, "gnttab_grant_foreign_access ref 12 -> dom0 gfn 0x6 rw (data page)"),
                e(0, "vif/1/0", Kind.EVENT_CHANNEL, "bind_interdomain dom1 port 2 -> port 2")));

        assertThat(out).containsExactly(
                new Step(Lifeline.GUEST, Lifeline.DOM0, "gnttab_grant_foreign_access ref 8 -> dom0 gfn 0x2 rw"),
                new Step(Lifeline.GUEST, Lifeline.DOM0,
                        "gnttab_grant_foreign_access refs 10..12 -> dom0 rw (3 data pages)"),
                new Step(Lifeline.DOM0, Lifeline.GUEST, "bind_interdomain dom1 port 2 -> port 2"));
    }

    @Test
    void textDrawsArrowsBetweenLanesAndMermaidEscapesSyntax() {
        var diagram = new SequenceDiagram(Map.of(Lifeline.GUEST, "d1 netfront"), List.of("legend"));
        var text = diagram.text(List.of(new Step(Lifeline.DOM0, Lifeline.GUEST, "map"),
                new Step(Lifeline.GUEST, null, "Connected", true)));
        assertThat(text).endsWith(
                "      |<----------------------|           |       map",
                "      #           |           |           |       ==> Connected");

        var mermaid = diagram.mermaid(List.of(new Step(Lifeline.GUEST, Lifeline.XENSTORE, "a; b #1 -> c")));
        assertThat(mermaid).containsExactly("sequenceDiagram",
                "    participant guest as guest (d1 netfront)",
                "    participant xenstore as xenstore",
                "    participant dom0 as dom0",
                "    participant toolstack as toolstack",
                "    Note over guest,toolstack: legend",
                "    guest->>xenstore: a, b no. 1 → c");
    }
}
