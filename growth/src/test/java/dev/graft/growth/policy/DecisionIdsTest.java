package dev.graft.growth.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DecisionIdsTest {
    @Test
    void sameInputsGiveTheSameIdAndAnyDifferenceChangesIt() {
        String id = DecisionIds.of("run-7", 0, "PLATEAU", 1200);
        assertThat(DecisionIds.of("run-7", 0, "PLATEAU", 1200)).isEqualTo(id);
        assertThat(id).matches("d-[0-9a-f]{32}");
        assertThat(DecisionIds.of("run-7", 1, "PLATEAU", 1200)).isNotEqualTo(id);
        assertThat(DecisionIds.of("run-7", 0, "BUDGET", 1200)).isNotEqualTo(id);
        assertThat(DecisionIds.of("run-7", 0, "PLATEAU", 1201)).isNotEqualTo(id);
        assertThat(DecisionIds.of("run-8", 0, "PLATEAU", 1200)).isNotEqualTo(id);
    }

    @Test
    void fieldBoundariesCannotBeConfused() {
        assertThat(DecisionIds.of("a", 1, "PLATEAU", 2)).isNotEqualTo(DecisionIds.of("a1", 1, "PLATEAU", 2));
    }

    @Test
    void matchesAnIndependentSha256() {
        // python3: hashlib.sha256('run-7\x000\x00PLATEAU\x001200'.encode()).hexdigest()[:32]
        assertThat(DecisionIds.of("run-7", 0, "PLATEAU", 1200))
                .isEqualTo("d-30d0e57d31d1008fb78b62f5c1cb2abc");
    }

    @Test
    void rejectsNegativeStepsNamingTheRun() {
        assertThatThrownBy(() -> DecisionIds.of("run-7", 0, "PLATEAU", -1))
                .hasMessageContaining("run-7")
                .hasMessageContaining("step -1");
    }
}
