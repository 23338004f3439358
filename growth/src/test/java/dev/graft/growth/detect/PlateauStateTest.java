package dev.graft.growth.detect;

import dev.graft.growth.detect.PlateauEvaluation.Outcome;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlateauStateTest {

    @Test
    void rejectsNegativeCounters() {
        assertThatThrownBy(() -> new PlateauState(1, 1, -1, 0, 1, 1, 1, 1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("PlateauState badEvaluations must be >= 0, found -1");
        assertThatThrownBy(() -> new PlateauState(1, 1, 0, -2, 1, 1, 1, 1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("PlateauState cooldownRemaining must be >= 0, found -2");
        assertThatThrownBy(() -> new PlateauState(1, 1, 0, 0, -1, 1, 1, 1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("PlateauState evaluations must be >= 0, found -1");
        assertThatThrownBy(() -> new PlateauState(1, 1, 0, 0, 1, 1, 1, 1, 1, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("PlateauState firings must be >= 0, found -1");
    }

    @Test
    void anEvaluationCarriesAFiringExactlyWhenItFired() {
        PlateauState state = PlateauState.initial(Mode.MIN);
        PlateauFiring firing = new PlateauFiring(3, 1.0, 1.0, 1, 1, 3, 1, 1.0);

        assertThat(new PlateauEvaluation(state, Outcome.FIRED, Optional.of(firing)).fired())
                .isTrue();
        assertThatThrownBy(() -> new PlateauEvaluation(state, Outcome.FIRED, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "PlateauEvaluation firing must be present exactly when outcome is FIRED,"
                                + " found outcome FIRED with firing Optional.empty");
        assertThatThrownBy(
                        () ->
                                new PlateauEvaluation(
                                        state, Outcome.NOT_IMPROVED, Optional.of(firing)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "PlateauEvaluation firing must be present exactly when outcome is FIRED,"
                                + " found outcome NOT_IMPROVED");
    }
}
