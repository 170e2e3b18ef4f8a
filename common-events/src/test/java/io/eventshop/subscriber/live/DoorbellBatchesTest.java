package io.eventshop.subscriber.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eventshop.events.StreamId;
import io.eventshop.wire.EventRef;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * How a queue's doorbells are cut into batches while earlier batches apply: the class alone, its batches held at a gate
 * the test opens (their transactions are LiveBatchTest's). A wait far longer than the test keeps a batch from leaving
 * part-full on the clock, so what is seen is only the bound on batches applying at once and the full batches it makes.
 */
class DoorbellBatchesTest {

    @Test
    void a_backlog_waits_while_the_most_batches_apply_and_then_goes_in_full_batches() {
        CountDownLatch gate = new CountDownLatch(1);
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        AtomicInteger applying = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        DoorbellBatches batches = new DoorbellBatches("test.batches", 4, 2, Duration.ofSeconds(10), batch -> {
            sizes.add(batch.size());
            mostAtOnce.accumulateAndGet(applying.incrementAndGet(), Math::max);
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            applying.decrementAndGet();
        });

        batches.add(doorbell(), settlement -> { }); // an idle queue: goes alone, at once
        await().atMost(Duration.ofSeconds(5)).until(() -> sizes.size() == 1);
        for (int i = 0; i < 20; i++) {
            batches.add(doorbell(), settlement -> { });
        }
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(sizes).as("batches handed over while the first ones apply").containsExactly(1, 4);
        assertThat(mostAtOnce.get()).as("batches applying at once").isEqualTo(2);

        gate.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> sizes.stream().mapToInt(Integer::intValue).sum() == 21);
        assertThat(sizes).as("what waited went in full batches").containsExactly(1, 4, 4, 4, 4, 4);
        assertThat(mostAtOnce.get()).isEqualTo(2);
        batches.stop();
    }

    private static EventRef doorbell() {
        return new EventRef(UUID.randomUUID(), StreamId.of("batches", UUID.randomUUID()), 1);
    }
}
