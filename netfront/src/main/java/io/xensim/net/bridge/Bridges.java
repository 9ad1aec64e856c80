package io.xensim.net.bridge;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The backend domain's bridges by name, as the {@code bridge} key of each vif names them: the simulated
 * {@code vif-bridge} hotplug step asks for its vif's bridge here and attaches the vif to it. A bridge is created on
 * first use with Linux's default ageing time, as a host's {@code xenbr0} exists before any guest starts.
 *
 * <p><b>Threading:</b> confined to the backend domain's executor, like the bridges it holds.
 *
 * <p><b>Reference:</b> libxl's default {@code bridge} ({@code xenbr0}), tools/hotplug/Linux/vif-bridge.
 */
public final class Bridges {
    private final Map<String, Bridge> byName = new LinkedHashMap<>();

    /** The bridge named {@code name}, created if it does not exist yet. */
    public Bridge bridge(String name) {
        return byName.computeIfAbsent(name, Bridge::new);
    }

    public Optional<Bridge> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }
}
