package io.eventshop.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class CheckpointTest {

    @Test
    void a_position_parses_into_its_transaction_id_and_global_position() {
        Checkpoint checkpoint = Checkpoint.parse("position:812:4096");

        assertThat(checkpoint.transactionId()).isEqualTo(812);
        assertThat(checkpoint.globalPosition()).isEqualTo(4096);
    }

    @Test
    void a_checkpoint_is_written_as_position_and_parses_back() {
        Checkpoint checkpoint = new Checkpoint(Long.MAX_VALUE, 7);

        assertThat(checkpoint.toString()).isEqualTo("position:" + Long.MAX_VALUE + ":7");
        assertThat(Checkpoint.parse(checkpoint.toString())).isEqualTo(checkpoint);
        assertThat(Checkpoint.START.toString()).isEqualTo("position:0:0");
        assertThat(Checkpoint.parse("position:0:0")).isEqualTo(Checkpoint.START);
    }

    @Test
    void checkpoints_are_ordered_by_transaction_id_first_then_global_position() {
        var a = new Checkpoint(5, 100);
        var b = new Checkpoint(5, 101);
        var c = new Checkpoint(6, 3);   // a later transaction, though its position is lower
        var d = new Checkpoint(10, 0);
        List<Checkpoint> shuffled = new ArrayList<>(List.of(d, b, Checkpoint.START, c, a));

        Collections.sort(shuffled);

        assertThat(shuffled).containsExactly(Checkpoint.START, a, b, c, d);
        assertThat(c.isAfter(b)).isTrue();
        assertThat(b.isAfter(c)).isFalse();
        assertThat(b.isAfter(a)).isTrue();
        assertThat(a.isAfter(a)).isFalse();
        assertThat(a.compareTo(new Checkpoint(5, 100))).isZero();
        assertThat(a.isAfter(Checkpoint.START)).isTrue();
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "812:4096", "position:", "position:812", "position:812:", "position::4096",
            "position:812:4096:1", "position:a:1", "position:1:b", "Position:1:1", "position: 1:1",
            "position:1.5:1", "position:-1:4", "position:1:-4", "position:99999999999999999999:1", " position:1:1"})
    void anything_else_is_refused(String text) {
        assertThatThrownBy(() -> Checkpoint.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was");
    }

    @Test
    void negative_parts_are_refused() {
        assertThatThrownBy(() -> new Checkpoint(-1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Checkpoint(0, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
