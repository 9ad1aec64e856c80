package io.xensim.testbed.cli;

import io.xensim.xenbus.trace.TraceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a recorded xenbus handshake ({@link TraceEvent}s) into the steps of a sequence diagram between four
 * lifelines: the guest's frontend driver, xenstored, dom0's backend driver, and dom0's toolstack (libxl and its
 * hotplug scripts). Each step is an arrow (a xenstore request, a watch firing, a grant, an event-channel bind or
 * notify) or a note on one lifeline (a xenbus state change, a driver's remark).
 *
 * <p>What is left out, so that the diagram shows the protocol rather than the plumbing: xenstore reads, replies and
 * permission changes, libxl's own {@code /libxl/} bookkeeping, the xenbus enumeration watches (only watches on a
 * {@code state} key are drawn), and the hypercall-level records that repeat a driver-level one. Runs of grants of
 * data pages (netfront's rx buffers) are drawn as one arrow.
 *
 * <p>The actor of a dom0 xenstore request or remark is the toolstack until the backend driver has probed the
 * device, and afterwards for the hotplug script's keys and remarks; otherwise, and for every grant map and port
 * bind, the backend.
 *
 * <p><b>Threading:</b> a stateless function.
 */
final class HandshakeSteps {
    enum Lifeline {
        GUEST("guest"), XENSTORE("xenstore"), DOM0("dom0"), TOOLSTACK("toolstack");

        final String id;

        Lifeline(String id) {
            this.id = id;
        }
    }

    /** An arrow {@code from -> to}, or with {@code to} null a note over {@code from}; {@code state} for a change. */
    record Step(Lifeline from, Lifeline to, String text, boolean state) {
        Step(Lifeline from, Lifeline to, String text) {
            this(from, to, text, false);
        }

        boolean isNote() {
            return to == null;
        }
    }

    /** Keys the hotplug scripts (vif-bridge, block) write in the backend directory. */
    private static final Set<String> HOTPLUG_KEYS = Set.of("hotplug-status", "node", "physical-device",
            "physical-device-path");
    private static final Pattern REQUEST = Pattern.compile(
            "(XS_[A-Z_]+) (\\S+)(?: = (\".*\"))?(?: token (\\S+))?(?: \\(tx \\d+\\))?");
    private static final Pattern DATA_PAGE = Pattern.compile(
            "gnttab_grant_foreign_access ref (\\d+) -> (\\S+) gfn \\S+ (\\S+) \\(data page\\)");

    private final String frontendDir;
    private final String backendDir;

    HandshakeSteps(String frontendDir, String backendDir) {
        this.frontendDir = frontendDir;
        this.backendDir = backendDir;
    }

    /** {@code path} with the frontend's and the backend's directory written FE and BE. */
    String shorten(String path) {
        return path.replace(backendDir, "BE").replace(frontendDir, "FE");
    }

    List<Step> steps(List<TraceEvent> events) {
        List<Step> out = new ArrayList<>();
        boolean probed = false;
        int runFirst = -1;
        int runLast = -1;
        int runCount = 0;
        String runText = "";
        for (TraceEvent e : events) {
            if (e.domid() == 0 && e.kind() == TraceEvent.Kind.INFO && e.detail().startsWith("probed backend")) {
                probed = true;
            }
            Matcher data = e.kind() == TraceEvent.Kind.GRANT && !e.device().isEmpty()
                    ? DATA_PAGE.matcher(e.detail()) : null;
            if (data != null && data.matches()) {
                int ref = Integer.parseInt(data.group(1));
                if (runCount == 0) {
                    runFirst = ref;
                    runText = " -> " + data.group(2) + " " + data.group(3);
                }
                runLast = ref;
                runCount++;
                continue;
            }
            if (runCount > 0) {
                out.add(new Step(Lifeline.GUEST, Lifeline.DOM0, "gnttab_grant_foreign_access refs " + runFirst + ".."
                        + runLast + runText + " (" + runCount + " data pages)"));
                runCount = 0;
            }
            Lifeline actor = actor(e, probed);
            Step step = switch (e.kind()) {
                case XENSTORE_REQUEST -> request(actor, e.detail());
                case WATCH_EVENT -> watch(actor, e.detail());
                case STATE -> new Step(actor, null, shorten(e.detail()), true);
                case INFO, RING, DOMAIN -> new Step(actor, null, shorten(e.detail()));
                case GRANT, EVENT_CHANNEL -> e.device().isEmpty() ? null
                        : new Step(actor, actor == Lifeline.GUEST ? Lifeline.DOM0 : Lifeline.GUEST,
                                shorten(e.detail()));
                case XENSTORE_REPLY -> null;
            };
            if (step != null) {
                out.add(step);
            }
        }
        if (runCount > 0) {
            out.add(new Step(Lifeline.GUEST, Lifeline.DOM0, "gnttab_grant_foreign_access refs " + runFirst + ".."
                    + runLast + runText + " (" + runCount + " data pages)"));
        }
        return out;
    }

    private Lifeline actor(TraceEvent e, boolean probed) {
        if (e.domid() != 0) {
            return Lifeline.GUEST;
        }
        if (e.kind() == TraceEvent.Kind.GRANT || e.kind() == TraceEvent.Kind.EVENT_CHANNEL) {
            return Lifeline.DOM0; // the toolstack maps and binds nothing of a device's
        }
        String d = e.detail();
        boolean hotplug = d.contains("token hotplug:") || d.contains("/etc/xen/scripts/") || d.startsWith("block ")
                || (d.startsWith("XS_WRITE ") && HOTPLUG_KEYS.contains(key(d)));
        return !probed || hotplug ? Lifeline.TOOLSTACK : Lifeline.DOM0;
    }

    /** The last path element of a request's path. */
    private static String key(String detail) {
        Matcher m = REQUEST.matcher(detail);
        if (!m.matches()) {
            return "";
        }
        String path = m.group(2);
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private Step request(Lifeline actor, String detail) {
        if (detail.startsWith("XS_TRANSACTION_START")) {
            return new Step(actor, Lifeline.XENSTORE, "transaction start");
        }
        if (detail.startsWith("XS_TRANSACTION_END")) {
            return new Step(actor, Lifeline.XENSTORE, "transaction " + (detail.endsWith("commit") ? "commit"
                    : "abort"));
        }
        Matcher m = REQUEST.matcher(detail);
        if (!m.matches() || m.group(2).startsWith("/libxl/")) {
            return null;
        }
        String path = shorten(m.group(2));
        return switch (m.group(1)) {
            case "XS_WRITE" -> new Step(actor, Lifeline.XENSTORE, "write " + path + " = "
                    + (m.group(3) == null ? "\"\"" : m.group(3)));
            case "XS_MKDIR" -> new Step(actor, Lifeline.XENSTORE, "mkdir " + path);
            case "XS_RM" -> new Step(actor, Lifeline.XENSTORE, "rm " + path);
            case "XS_WATCH" -> new Step(actor, Lifeline.XENSTORE, "watch " + path);
            case "XS_UNWATCH" -> new Step(actor, Lifeline.XENSTORE, "unwatch " + path);
            default -> null;
        };
    }

    private Step watch(Lifeline actor, String detail) {
        Matcher m = REQUEST.matcher(detail);
        if (!m.matches() || !m.group(2).endsWith("/state")) {
            return null;
        }
        String token = m.group(4) == null ? "" : m.group(4);
        if (!token.startsWith("otherend:") && !token.startsWith("hotplug:")) {
            return null;
        }
        return new Step(Lifeline.XENSTORE, actor, "watch fired " + shorten(m.group(2)));
    }
}
