package io.xensim.xenbus.abi.probe;

import io.xensim.xenbus.abi.AbiFact;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of comparing the Java code's ABI facts with the values the headers gave for the same names:
 * the facts that disagree, the facts the headers could not evaluate, and how many agreed.
 */
public record AbiCheck(int agreed, List<Mismatch> mismatches, Map<String, String> unevaluated) {
    /** One fact whose Java value is not the headers' value. */
    public record Mismatch(String name, String javaValue, String headerValue) {
    }

    public AbiCheck {
        mismatches = List.copyOf(mismatches);
        unevaluated = Collections.unmodifiableMap(new LinkedHashMap<>(unevaluated));
    }

    /** Compares each fact with the probe's value for its name; a name the probe did not evaluate is unevaluated. */
    public static AbiCheck compare(List<AbiFact> facts, ProbeResult probed) {
        int agreed = 0;
        List<Mismatch> mismatches = new ArrayList<>();
        Map<String, String> unevaluated = new LinkedHashMap<>();
        for (AbiFact fact : facts) {
            String header = probed.values().get(fact.name());
            if (header == null) {
                unevaluated.put(fact.name(), probed.unevaluated().getOrDefault(fact.name(), "not probed"));
            } else if (header.equals(fact.value())) {
                agreed++;
            } else {
                mismatches.add(new Mismatch(fact.name(), fact.value(), header));
            }
        }
        return new AbiCheck(agreed, mismatches, unevaluated);
    }

    /** True when every fact was evaluated and agreed. */
    public boolean allAgree() {
        return mismatches.isEmpty() && unevaluated.isEmpty();
    }
}
