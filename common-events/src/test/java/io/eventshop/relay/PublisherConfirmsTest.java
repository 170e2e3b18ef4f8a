package io.eventshop.relay;

import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The confirms of one channel: a wait succeeds only when nothing up to its tag was refused. */
class PublisherConfirmsTest {

    @Test
    void a_nack_overtaken_by_a_multiple_ack_still_fails_the_wait() {
        Publisher.Confirms confirms = new Publisher.Confirms();
        for (long tag = 1; tag <= 10; tag++) {
            confirms.sent(tag);
        }
        confirms.handleNack(5, false);
        confirms.handleAck(10, true); // the broker's later ack covers tags 1..10, the refused 5 among them
        // Returning here would let the relay save its checkpoint past message 5, which no queue holds.
        assertThatThrownBy(() -> confirms.await(10, Duration.ofSeconds(1)))
                .isInstanceOf(IOException.class).hasMessageContaining("refused message 5");
    }

    @Test
    void acks_alone_let_the_wait_return() {
        Publisher.Confirms confirms = new Publisher.Confirms();
        for (long tag = 1; tag <= 10; tag++) {
            confirms.sent(tag);
        }
        confirms.handleAck(4, true);
        confirms.handleAck(10, true);
        assertThatNoException().isThrownBy(() -> confirms.await(10, Duration.ofSeconds(1)));
    }

    @Test
    void a_missing_confirm_times_out() {
        Publisher.Confirms confirms = new Publisher.Confirms();
        confirms.sent(1);
        confirms.sent(2);
        confirms.handleAck(1, false);
        assertThatThrownBy(() -> confirms.await(2, Duration.ofMillis(100))).isInstanceOf(java.util.concurrent.TimeoutException.class);
    }
}
