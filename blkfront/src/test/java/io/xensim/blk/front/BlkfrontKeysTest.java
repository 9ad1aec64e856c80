package io.xensim.blk.front;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BlkfrontKeysTest {
    @Test
    void fourMultiPageRingsToOneSmallerRing() {
        var before = List.of("ring-page-order", "multi-queue-num-queues", "queue-0/ring-ref0", "queue-0/ring-ref1",
                "queue-0/event-channel", "queue-1/ring-ref0", "queue-1/ring-ref1", "queue-1/event-channel", "protocol",
                "feature-persistent");
        var after = List.of("ring-ref", "event-channel", "protocol", "feature-persistent");
        assertThat(BlkfrontKeys.stale(before, after))
                .containsExactly("ring-page-order", "multi-queue-num-queues", "queue-0", "queue-1");
    }

    @Test
    void fewerPagesInTheSameQueueDirectoriesRemoveOnlyTheExtraRefs() {
        var before = List.of("multi-queue-num-queues", "queue-0/ring-ref0", "queue-0/ring-ref1", "queue-0/event-channel",
                "queue-1/ring-ref0", "queue-1/ring-ref1", "queue-1/event-channel", "queue-2/ring-ref0");
        var after = List.of("ring-page-order", "multi-queue-num-queues", "queue-0/ring-ref", "queue-0/event-channel",
                "queue-1/ring-ref", "queue-1/event-channel");
        assertThat(BlkfrontKeys.stale(before, after)).containsExactly("queue-0/ring-ref0", "queue-0/ring-ref1",
                "queue-1/ring-ref0", "queue-1/ring-ref1", "queue-2");
    }

    @Test
    void theSameKeysLeaveNothing() {
        var keys = List.of("ring-ref", "event-channel", "protocol");
        assertThat(BlkfrontKeys.stale(keys, keys)).isEmpty();
        assertThat(BlkfrontKeys.stale(List.of(), keys)).isEmpty();
    }
}
