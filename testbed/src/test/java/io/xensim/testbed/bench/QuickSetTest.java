package io.xensim.testbed.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.testbed.bench.QuickSet.Case;
import io.xensim.testbed.bench.QuickSet.Group;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The quick set names real benchmarks: each case's method is a {@code @Benchmark} of its class and each of its
 * params is a {@code @Param} of a state that method takes, so a renamed method or param fails here rather than as
 * "no result" two minutes into {@code bench --quick}.
 */
class QuickSetTest {
    @Test
    void everyCaseIsABenchmarkMethodWithItsParams() {
        for (Group g : QuickSet.groups()) {
            for (Case c : g.cases()) {
                Method m = Arrays.stream(c.benchmark().getMethods()).filter(x -> x.getName().equals(c.method()))
                        .findFirst().orElseThrow(() -> new AssertionError(c + ": no method"));
                assertThat(m.isAnnotationPresent(Benchmark.class)).as(c.id()).isTrue();
                Set<String> params = states(m.getParameterTypes(), new HashSet<>()).stream()
                        .flatMap(t -> Arrays.stream(t.getFields()))
                        .filter(f -> f.isAnnotationPresent(Param.class)).map(Field::getName)
                        .collect(Collectors.toSet());
                assertThat(params).as(g.name() + " " + c.id()).containsAll(c.params().keySet());
            }
        }
    }

    /** The states a method takes, and those their {@code @Setup} methods take in turn, as JMH resolves them. */
    private static Set<Class<?>> states(Class<?>[] types, Set<Class<?>> seen) {
        for (Class<?> t : types) {
            if (seen.add(t)) {
                for (Method setup : t.getMethods()) {
                    if (setup.isAnnotationPresent(Setup.class)) {
                        states(setup.getParameterTypes(), seen);
                    }
                }
            }
        }
        return seen;
    }

    @Test
    void idsAreUniqueAndEveryGroupComparesSomething() {
        for (Group g : QuickSet.groups()) {
            Set<String> ids = new HashSet<>();
            g.cases().forEach(c -> assertThat(ids.add(c.id())).as(c.id()).isTrue());
            assertThat(g.ratios()).as(g.name()).isNotEmpty();
        }
        assertThat(QuickSet.NAMES.split(", ")).containsExactlyElementsOf(
                QuickSet.groups().stream().map(Group::name).toList());
    }

    @Test
    void aTargetBoundsTheRatioFromTheRightSide() {
        assertThat(QuickSet.Target.atLeast(0.5).met(0.5)).isTrue();
        assertThat(QuickSet.Target.atLeast(0.5).met(0.49)).isFalse();
        assertThat(QuickSet.Target.atMost(0.05).met(0.0045)).isTrue();
        assertThat(QuickSet.Target.atMost(0.05).met(0.2)).isFalse();
        assertThat(QuickSet.Target.atLeast(1.0)).hasToString("≥ 1.0x");
    }

    @Test
    void aRatioNamingAnUndeclaredCaseIsRefused() {
        Case a = QuickSet.groups().getFirst().cases().getFirst();
        assertThatThrownBy(() -> new Group("X", List.of(a), List.of(new QuickSet.Ratio(a.id(), "nope",
                Optional.empty()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("case: nope");
    }
}
