package io.xensim.xenbus.trace;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders {@link TraceEvent}s as the teaching timeline: one line per event with the time relative to the first
 * event, the acting domain, the device, the kind and the detail, e.g.
 * <pre>
 *      t ms  dom        device     what    detail
 *     0.000  d0 dom0    echo/1/0   STATE   backend Initialising -> InitWait (2): published feature-echo
 * </pre>
 * State changes are marked so that the handshake stands out. Domain names are optional.
 *
 * <p><b>Threading:</b> stateless apart from its settings; safe to share once built.
 */
public final class Timeline {
    private final Set<TraceEvent.Kind> kinds;
    private final Map<Integer, String> domainNames;

    private Timeline(Set<TraceEvent.Kind> kinds, Map<Integer, String> domainNames) {
        this.kinds = kinds;
        this.domainNames = domainNames;
    }

    /** Every kind of event. */
    public static Timeline all(Map<Integer, String> domainNames) {
        return new Timeline(EnumSet.allOf(TraceEvent.Kind.class), Map.copyOf(domainNames));
    }

    /** Only the given kinds. */
    public static Timeline of(Set<TraceEvent.Kind> kinds, Map<Integer, String> domainNames) {
        return new Timeline(EnumSet.copyOf(kinds), Map.copyOf(domainNames));
    }

    public List<String> lines(List<TraceEvent> events) {
        List<TraceEvent> shown = events.stream().filter(e -> kinds.contains(e.kind())).toList();
        List<String> out = new ArrayList<>();
        if (shown.isEmpty()) {
            return out;
        }
        int deviceWidth = Math.max(6, shown.stream().mapToInt(e -> e.device().length()).max().orElse(6));
        int domWidth = Math.max(3, domainNames.values().stream().mapToInt(String::length).max().orElse(0) + 4);
        long t0 = shown.getFirst().timeNs();
        out.add(String.format("%9s  %-" + domWidth + "s  %-" + deviceWidth + "s  %-8s %s", "t ms", "dom", "device",
                "what", "detail"));
        for (TraceEvent e : shown) {
            String dom = "d" + e.domid() + (domainNames.containsKey(e.domid()) ? " " + domainNames.get(e.domid()) : "");
            out.add(String.format("%9.3f  %-" + domWidth + "s  %-" + deviceWidth + "s  %-8s %s%s",
                    (e.timeNs() - t0) / 1e6, dom, e.device(), label(e.kind()),
                    e.kind() == TraceEvent.Kind.STATE ? "==> " : "", e.detail()));
        }
        return out;
    }

    public String render(List<TraceEvent> events) {
        return String.join("\n", lines(events)) + "\n";
    }

    private static String label(TraceEvent.Kind kind) {
        return switch (kind) {
            case STATE -> "STATE";
            case XENSTORE_REQUEST -> "XS";
            case XENSTORE_REPLY -> "XS-REPLY";
            case WATCH_EVENT -> "WATCH";
            case GRANT -> "GRANT";
            case EVENT_CHANNEL -> "EVTCHN";
            case RING -> "RING";
            case DOMAIN -> "DOMAIN";
            case INFO -> "INFO";
        };
    }
}
