package io.xensim.xenbus.abi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** Collects every {@link AbiFactSource} on the class path, in a stable order, refusing two values for one name. */
public final class AbiFacts {
    private AbiFacts() {
    }

    public static List<AbiFact> all() {
        return collect(ServiceLoader.load(AbiFactSource.class, AbiFacts.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .sorted((a, b) -> a.group().compareTo(b.group()))
                .toList());
    }

    static List<AbiFact> collect(List<AbiFactSource> sources) {
        Map<String, AbiFact> byName = new LinkedHashMap<>();
        for (AbiFactSource source : sources) {
            for (AbiFact fact : source.facts()) {
                AbiFact previous = byName.putIfAbsent(fact.name(), fact);
                if (previous != null && !previous.value().equals(fact.value())) {
                    throw new IllegalStateException("ABI fact " + fact.name() + " has two values: "
                            + previous.value() + " and " + fact.value() + " (group " + source.group() + ")");
                }
            }
        }
        return new ArrayList<>(byName.values());
    }
}
