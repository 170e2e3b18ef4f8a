package io.eventshop.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The chaos suite's short run (docs/chaos.md) in every build: the cluster topology, two replicas per service, a
 * few faults under load, and every invariant; then each invariant shown failing on the run's data broken for it
 * (DECISIONS 13). A topology that cannot start fails this test with its reason; it is never skipped. The seed is
 * fixed so that a red build can be replayed ({@code -Dchaos.seed} picks another).
 */
class ChaosShortTest {

    @Test
    void a_short_run_under_faults_loses_doubles_and_oversells_nothing() throws Exception {
        long seed = Long.getLong("chaos.seed", 15);
        ChaosSuite.Verdict verdict = ChaosSuite.run(new ChaosSuite.Options(false, seed, false, false));
        assertThat(verdict.checks()).as("the invariants of the short run, seed " + seed).allMatch(Invariants.Check::holds);
        assertThat(verdict.shown()).as("each invariant failing on the run's data broken for it, and holding again once undone")
                .hasSize(verdict.checks().size()).allMatch(Damage.Shown::convincing);
    }
}
