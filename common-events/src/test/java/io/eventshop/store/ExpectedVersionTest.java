package io.eventshop.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExpectedVersionTest {

    @Test
    void exactly_zero_is_no_stream() {
        assertThat(ExpectedVersion.exactly(0)).isSameAs(ExpectedVersion.NO_STREAM);
        assertThat(ExpectedVersion.NO_STREAM).isEqualTo(new ExpectedVersion.Exactly(0));
        assertThat(ExpectedVersion.NO_STREAM.toString()).isEqualTo("no stream");
    }

    @Test
    void exactly_a_version_expects_that_version() {
        assertThat(ExpectedVersion.exactly(3)).isEqualTo(new ExpectedVersion.Exactly(3))
                .isNotEqualTo(ExpectedVersion.exactly(4))
                .isNotEqualTo(ExpectedVersion.ANY);
        assertThat(ExpectedVersion.exactly(3).toString()).isEqualTo("3");
    }

    @Test
    void any_is_not_a_version() {
        assertThat(ExpectedVersion.ANY).isInstanceOf(ExpectedVersion.Any.class).isNotEqualTo(ExpectedVersion.NO_STREAM);
        assertThat(ExpectedVersion.ANY.toString()).isEqualTo("any");
    }

    @Test
    void a_negative_version_is_refused() {
        assertThatThrownBy(() -> ExpectedVersion.exactly(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> new ExpectedVersion.Exactly(Integer.MIN_VALUE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
