package dev.graft.growth.detect;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SmoothingTest {

    @Test
    void debiasedEmaStartsAtTheFirstValueAndFollowsTensorBoard() {
        Smoothing ema = Smoothing.ema(0.9);
        SmoothingState s = ema.update(ema.initialState(), 2.0);
        assertThat(s.smoothed()).isEqualTo(2.0);

        s = ema.update(s, 1.0);
        // (0.9 * 0.1 * 2 + 0.1 * 1) / (1 - 0.81)
        assertThat(s.smoothed()).isCloseTo(0.28 / 0.19, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(s.count()).isEqualTo(2);
    }

    @Test
    void medianOfAnEvenWindowIsTheMeanOfTheMiddleValues() {
        Smoothing median = Smoothing.median(4);
        SmoothingState s = median.initialState();
        for (double v : new double[] {9, 1, 3, 100, 2}) {
            s = median.update(s, v);
        }
        // last 4: 1, 3, 100, 2 -> (2 + 3) / 2
        assertThat(s.smoothed()).isEqualTo(2.5);
    }

    @Test
    void statesAreValuesAndImmutable() {
        Smoothing median = Smoothing.median(3);
        SmoothingState a = median.update(median.initialState(), 1.0);
        SmoothingState b = median.update(median.initialState(), 1.0);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);

        a.recent()[0] = 42;
        median.update(a, 5.0);
        assertThat(a.recent()[0]).isEqualTo(1.0);
    }

    @Test
    void parsesWhatItPrints() {
        for (Smoothing s :
                new Smoothing[] {Smoothing.none(), Smoothing.ema(0.99), Smoothing.median(25)}) {
            assertThat(Smoothing.parse(s.toString())).isEqualTo(s);
        }
    }

    @Test
    void rejectsBadParametersNamingThem() {
        assertThatThrownBy(() -> Smoothing.ema(1.0))
                .hasMessageContaining("EMA weight must be in [0, 1)")
                .hasMessageContaining("1.0");
        assertThatThrownBy(() -> Smoothing.median(0)).hasMessageContaining("window must be >= 1");
        assertThatThrownBy(() -> Smoothing.parse("mean:5"))
                .hasMessageContaining("'none', 'ema:<weight in [0,1)>' or 'median:<window>'")
                .hasMessageContaining("'mean:5'");
        assertThatThrownBy(
                        () -> Smoothing.none().update(Smoothing.none().initialState(), Double.NaN))
                .hasMessageContaining("finite values only");
        assertThatThrownBy(() -> Smoothing.median(5).update(Smoothing.median(3).initialState(), 1))
                .hasMessageContaining("window of 3 values but this Smoothing's window is 5");
    }
}
