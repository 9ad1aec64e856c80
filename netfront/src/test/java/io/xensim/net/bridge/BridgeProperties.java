package io.xensim.net.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** The bridge against a model written from the rules: learn the source, deliver to its port or flood, age out. */
class BridgeProperties {
    static final long AGEING = 1_000;
    static final List<MacAddress> STATIONS = List.of(MacAddress.of("00:16:3e:00:00:01"),
            MacAddress.of("00:16:3e:00:00:02"), MacAddress.of("00:16:3e:00:00:03"), MacAddress.of("00:16:3e:00:00:04"),
            MacAddress.BROADCAST, MacAddress.of("01:00:5e:00:00:01"));

    record Step(int port, int src, int dst, long advance) {
    }

    @Provide
    Arbitrary<Step> steps() {
        return Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, STATIONS.size() - 1), Arbitraries.longs().between(0, 700))
                .as(Step::new);
    }

    @Property
    void deliversExactlyWhereTheModelSays(@ForAll @Size(max = 60) List<@net.jqwik.api.From("steps") Step> steps) {
        var bridge = new Bridge("xenbr0", AGEING);
        var ports = new ArrayList<RecordingPort>();
        for (int i = 0; i < 4; i++) {
            ports.add(new RecordingPort("vif" + i + ".0"));
            bridge.addPort(ports.get(i));
        }
        record Learnt(int port, long at) {
        }
        Map<MacAddress, Learnt> model = new HashMap<>();
        long now = 0;
        for (Step step : steps) {
            now += step.advance();
            MacAddress src = STATIONS.get(step.src());
            MacAddress dst = STATIONS.get(step.dst());
            Frame frame = BridgeTest.frame(src, dst, 60);
            model.put(src, new Learnt(step.port(), now));
            Learnt known = dst.isMulticast() ? null : model.get(dst);
            if (known != null && now - known.at() >= AGEING) {
                known = null;
            }
            Set<Integer> expected;
            if (known == null) {
                int ingress = step.port();
                expected = Set.of(0, 1, 2, 3).stream().filter(p -> p != ingress).collect(Collectors.toSet());
            } else {
                expected = known.port() == step.port() ? Set.of() : Set.of(known.port());
            }

            int sent = bridge.receive(ports.get(step.port()), frame, now);

            assertThat(sent).isEqualTo(expected.size());
            for (int p = 0; p < 4; p++) {
                assertThat(ports.get(p).take()).as("port %d after %s", p, step)
                        .isEqualTo(expected.contains(p) ? List.of(frame) : List.of());
            }
        }
        long end = now;
        var fresh = model.entrySet().stream().filter(e -> end - e.getValue().at() < AGEING)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> "vif" + e.getValue().port() + ".0"));
        assertThat(bridge.fdb(end)).isEqualTo(fresh);
    }
}
