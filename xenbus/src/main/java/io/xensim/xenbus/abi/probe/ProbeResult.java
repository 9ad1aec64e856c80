package io.xensim.xenbus.abi.probe;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the headers say about a list of fact names: the value of each name the probe could evaluate, and for each
 * other name the reason (gcc's first error for it, or the probe's own message such as "index out of range").
 * Both maps keep the order the names were asked in.
 */
public record ProbeResult(Map<String, String> values, Map<String, String> unevaluated) {
    public ProbeResult {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        unevaluated = Collections.unmodifiableMap(new LinkedHashMap<>(unevaluated));
    }
}
