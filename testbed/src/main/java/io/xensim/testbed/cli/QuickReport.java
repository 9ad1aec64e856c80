package io.xensim.testbed.cli;

import io.xensim.testbed.bench.QuickSet.Target;
import io.xensim.testbed.cli.QuickBench.Measured;
import io.xensim.testbed.cli.QuickBench.Paired;
import io.xensim.testbed.cli.QuickBench.Results;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two outputs of {@code xensim bench --quick}: a table (one row per case and declared ratio, baselines on their
 * own rows) and the {@code --json} document with the same numbers unrounded.
 *
 * <p><b>Threading:</b> static functions of a finished run.
 */
final class QuickReport {
    private static final String[] HEADER = {"benchmark", "case", "score", "± error", "unit", "baseline", "ratio",
            "target", ""};

    private QuickReport() {
    }

    static void table(PrintWriter out, Results results) {
        QuickBench.Settings s = results.settings();
        out.println("xensim bench --quick: " + s.forks() + " fork(s), warm-up " + s.warmupIterations() + " x "
                + s.warmupTime() + ", measurement " + s.measurementIterations() + " x " + s.measurementTime()
                + " (noisier than the full runs in docs/PERFORMANCE.md)");
        out.println();
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (Measured m : results.measured()) {
            List<Paired> mine = results.paired().stream().filter(p -> p.measured() == m).toList();
            if (mine.isEmpty()) {
                rows.add(row(m, "", "", "", ""));
            }
            for (Paired p : mine) {
                String verdict = p.met().map(met -> met ? "met" : "missed").orElse("");
                rows.add(row(m, p.baseline().c().id(), Double.isNaN(p.value()) ? "-" : number(p.value()) + "x",
                        p.ratio().target().map(Target::toString).orElse(""), verdict));
            }
        }
        int[] width = new int[HEADER.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                // Numbers right-aligned, words left-aligned.
                boolean right = i == 2 || i == 3 || i == 6;
                String cell = right ? " ".repeat(width[i] - r[i].length()) + r[i]
                        : r[i] + " ".repeat(width[i] - r[i].length());
                line.append(cell).append(i + 1 < r.length ? "  " : "");
            }
            out.println(line.toString().stripTrailing());
        }
        long failed = results.measured().stream().filter(m -> !m.ok()).count();
        if (failed > 0) {
            out.println();
            out.println(failed + " case(s) failed (see stderr)");
        }
        out.flush();
    }

    private static String[] row(Measured m, String baseline, String ratio, String target, String verdict) {
        String score = m.ok() ? number(m.score()) : "failed";
        // Deterministic counts divided per iteration leave rounding dust (1e-14), not an error bar.
        double e = m.error() <= 1e-9 * Math.abs(m.score()) ? 0 : m.error();
        String error = m.ok() && !Double.isNaN(e) ? "± " + number(e) : "";
        return new String[] {m.group().name(), m.c().id(), score, error, m.unit(), baseline, ratio, target, verdict};
    }

    /** Three significant digits, with k from 10,000 and M, G from a million up (0.0156, 27.4, 5400, 625 M). */
    static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        double a = Math.abs(v);
        String suffix = "";
        if (a >= 1e9) {
            v /= 1e9;
            suffix = " G";
        } else if (a >= 1e6) {
            v /= 1e6;
            suffix = " M";
        } else if (a >= 1e4) {
            v /= 1e3;
            suffix = " k";
        }
        if (v == 0) {
            return "0" + suffix;
        }
        return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString() + suffix;
    }

    /** The {@code --json} document: settings, every case, every ratio; NaN (a failed side) is null. */
    static String json(Results results) {
        QuickBench.Settings s = results.settings();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("forks", s.forks());
        settings.put("warmupIterations", s.warmupIterations());
        settings.put("warmupTime", s.warmupTime().toString());
        settings.put("measurementIterations", s.measurementIterations());
        settings.put("measurementTime", s.measurementTime().toString());
        List<Map<String, Object>> cases = new ArrayList<>();
        for (Measured m : results.measured()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("benchmark", m.group().name());
            c.put("case", m.c().id());
            c.put("method", m.c().benchmark().getName() + "." + m.c().method());
            c.put("params", m.c().params());
            c.put("score", finite(m.score()));
            c.put("error", finite(m.error()));
            c.put("unit", m.unit());
            c.put("failure", m.failure().orElse(null));
            cases.add(c);
        }
        List<Map<String, Object>> ratios = new ArrayList<>();
        for (Paired p : results.paired()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("benchmark", p.group().name());
            r.put("case", p.measured().c().id());
            r.put("baseline", p.baseline().c().id());
            r.put("ratio", finite(p.value()));
            r.put("target", p.ratio().target().map(QuickReport::target).orElse(null));
            r.put("met", p.met().orElse(null));
            ratios.add(r);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("settings", settings);
        root.put("cases", cases);
        root.put("ratios", ratios);
        root.put("failed", results.measured().stream().filter(m -> !m.ok()).count());
        return Json.write(root);
    }

    private static Map<String, Object> target(Target t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(t.atLeast() ? "atLeast" : "atMost", t.bound());
        return m;
    }

    private static Double finite(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
    }
}
