package io.xensim.testbed.cli;

import io.xensim.testbed.cli.HandshakeSteps.Lifeline;
import io.xensim.testbed.cli.HandshakeSteps.Step;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Draws {@link HandshakeSteps} as a sequence diagram: for a terminal, one line per step with the four lifelines as
 * columns and the arrow between two of them, the text after; or as Mermaid's {@code sequenceDiagram} (participants,
 * {@code A->>B: text} messages, {@code Note over A: text} for state changes and remarks).
 *
 * <p><b>Threading:</b> stateless apart from its settings.
 */
final class SequenceDiagram {
    private static final int LANE = 12;
    private final Map<Lifeline, String> titles;
    private final List<String> legend;

    /**
     * @param titles each lifeline's title, e.g. {@code "d1 netfront"}
     * @param legend lines printed above the diagram (in Mermaid, one note over every lifeline)
     */
    SequenceDiagram(Map<Lifeline, String> titles, List<String> legend) {
        this.titles = Map.copyOf(titles);
        this.legend = List.copyOf(legend);
    }

    List<String> text(List<Step> steps) {
        List<String> out = new ArrayList<>(legend);
        out.add("# marks a xenbus state change (==>), * a driver's or a hotplug script's remark");
        out.add("");
        StringBuilder head = new StringBuilder();
        StringBuilder sub = new StringBuilder();
        for (Lifeline l : Lifeline.values()) {
            head.append(center(l.id));
            sub.append(center(titles.getOrDefault(l, "")));
        }
        out.add(head.toString().stripTrailing());
        out.add(sub.toString().stripTrailing());
        for (Step s : steps) {
            out.add(lanes(s) + "  " + (s.state() ? "==> " : "") + s.text());
        }
        return out;
    }

    List<String> mermaid(List<Step> steps) {
        List<String> out = new ArrayList<>();
        out.add("sequenceDiagram");
        for (Lifeline l : Lifeline.values()) {
            String title = titles.getOrDefault(l, "");
            out.add("    participant " + l.id + " as " + clean(title.isEmpty() ? l.id : l.id + " (" + title + ")"));
        }
        Lifeline first = Lifeline.values()[0];
        Lifeline last = Lifeline.values()[Lifeline.values().length - 1];
        for (String line : legend) {
            out.add("    Note over " + first.id + "," + last.id + ": " + clean(line));
        }
        for (Step s : steps) {
            out.add(s.isNote() ? "    Note over " + s.from().id + ": " + clean(s.text())
                    : "    " + s.from().id + "->>" + s.to().id + ": " + clean(s.text()));
        }
        return out;
    }

    /**
     * Text Mermaid shows as written: no {@code ;} (a statement separator) or {@code #} (an entity escape), and
     * arrows in prose as the arrow character, so that nothing in a message reads as syntax.
     */
    static String clean(String text) {
        return text.replace(";", ",").replace("#", "no. ").replace("->", "→").replace("<-", "←")
                .replace("%%", "%");
    }

    private static String center(String s) {
        int pad = Math.max(0, LANE - s.length());
        int left = (pad + 1) / 2; // the middle of the text over the lane's bar
        return " ".repeat(left) + s + " ".repeat(pad - left);
    }

    private static int column(Lifeline l) {
        return l.ordinal() * LANE + LANE / 2;
    }

    private static String lanes(Step s) {
        char[] row = new char[Lifeline.values().length * LANE];
        Arrays.fill(row, ' ');
        for (Lifeline l : Lifeline.values()) {
            row[column(l)] = '|';
        }
        int from = column(s.from());
        if (s.isNote()) {
            row[from] = s.state() ? '#' : '*';
            return new String(row);
        }
        int to = column(s.to());
        int lo = Math.min(from, to);
        int hi = Math.max(from, to);
        for (int i = lo + 1; i < hi; i++) {
            row[i] = '-';
        }
        if (to > from) {
            row[hi - 1] = '>';
        } else {
            row[lo + 1] = '<';
        }
        return new String(row);
    }
}
