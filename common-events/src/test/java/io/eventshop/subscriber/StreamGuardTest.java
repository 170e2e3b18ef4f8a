package io.eventshop.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StreamGuardTest {

    @Test
    void the_next_version_is_applied() {
        assertThat(StreamGuard.decide(0, 1)).isEqualTo(new StreamGuard.Apply());
        assertThat(StreamGuard.decide(4, 5)).isEqualTo(new StreamGuard.Apply());
    }

    @Test
    void a_version_already_applied_is_a_duplicate() {
        assertThat(StreamGuard.decide(5, 5)).isEqualTo(new StreamGuard.Duplicate(5));
        assertThat(StreamGuard.decide(5, 1)).isEqualTo(new StreamGuard.Duplicate(5));
    }

    @Test
    void a_version_beyond_the_next_is_a_gap_naming_the_missing_versions() {
        assertThat(StreamGuard.decide(0, 3)).isEqualTo(new StreamGuard.RepairGap(1, 2));
        assertThat(StreamGuard.decide(4, 6)).isEqualTo(new StreamGuard.RepairGap(5, 5));
    }

    @Test
    void versions_below_one_are_refused() {
        assertThatThrownBy(() -> StreamGuard.decide(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StreamGuard.decide(-1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
