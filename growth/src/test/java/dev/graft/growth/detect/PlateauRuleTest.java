package dev.graft.growth.detect;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlateauRuleTest {

    @Test
    void pytorchDefaultsAreTorchsConstructorDefaults() {
        // ReduceLROnPlateau(optimizer, mode='min', patience=10, threshold=1e-4,
        //                   threshold_mode='rel', cooldown=0)
        assertThat(PlateauRule.pytorchDefaults("val_loss"))
                .isEqualTo(new PlateauRule("val_loss", Mode.MIN, 1e-4, ThresholdMode.REL, 10, 0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t"})
    void rejectsABlankMetric(String metric) {
        assertThatThrownBy(() -> PlateauRule.pytorchDefaults(metric))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "PlateauRule metric must be a non-blank metric name, found '"
                                + metric
                                + "'");
    }

    @Test
    void rejectsANullMetric() {
        assertThatThrownBy(() -> PlateauRule.pytorchDefaults(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("PlateauRule metric must be a non-blank metric name, found null");
    }

    @ParameterizedTest
    @ValueSource(doubles = {-1e-4, -1, Double.NaN, Double.POSITIVE_INFINITY})
    void rejectsAThresholdThatIsNegativeOrNotFinite(double threshold) {
        assertThatThrownBy(
                        () ->
                                new PlateauRule(
                                        "loss", Mode.MIN, threshold, ThresholdMode.REL, 10, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "PlateauRule threshold must be finite and >= 0 (PyTorch's default is 1e-4),"
                                + " found "
                                + threshold
                                + " for metric 'loss'");
    }

    @Test
    void acceptsAZeroThreshold() {
        assertThat(new PlateauRule("loss", Mode.MIN, 0, ThresholdMode.ABS, 0, 0).threshold())
                .isZero();
    }

    @Test
    void rejectsANegativePatience() {
        assertThatThrownBy(() -> new PlateauRule("loss", Mode.MIN, 1e-4, ThresholdMode.REL, -1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "PlateauRule patience must be >= 0 (evaluations without improvement"
                                + " tolerated before firing; PyTorch's default is 10), found -1"
                                + " for metric 'loss'");
    }

    @Test
    void rejectsANegativeCooldown() {
        assertThatThrownBy(() -> new PlateauRule("loss", Mode.MIN, 1e-4, ThresholdMode.REL, 10, -3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "PlateauRule cooldown must be >= 0 (evaluations ignored after a firing;"
                                + " PyTorch's default is 0), found -3 for metric 'loss'");
    }

    @Test
    void rejectsMissingModes() {
        assertThatThrownBy(() -> new PlateauRule("loss", null, 1e-4, ThresholdMode.REL, 10, 0))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("PlateauRule mode must be MIN or MAX, found null");
        assertThatThrownBy(() -> new PlateauRule("loss", Mode.MIN, 1e-4, null, 10, 0))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("PlateauRule thresholdMode must be REL or ABS, found null");
    }

    @Test
    void parsesPytorchsSpellingsOfTheModes() {
        assertThat(Mode.parse("min")).isEqualTo(Mode.MIN);
        assertThat(Mode.parse(" MAX ")).isEqualTo(Mode.MAX);
        assertThat(ThresholdMode.parse("rel")).isEqualTo(ThresholdMode.REL);
        assertThat(ThresholdMode.parse("Abs")).isEqualTo(ThresholdMode.ABS);
        assertThat(Mode.MAX.pytorchName()).isEqualTo("max");
        assertThat(ThresholdMode.ABS.pytorchName()).isEqualTo("abs");
    }

    @Test
    void rejectsUnknownModesNamingTheValueAndTheChoices() {
        assertThatThrownBy(() -> Mode.parse("minimum"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "mode must be 'min' or 'max' (as in PyTorch ReduceLROnPlateau), found"
                                + " 'minimum'");
        assertThatThrownBy(() -> Mode.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("found null");
        assertThatThrownBy(() -> ThresholdMode.parse("relative"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "threshold mode must be 'rel' or 'abs' (as in PyTorch ReduceLROnPlateau),"
                                + " found 'relative'");
    }
}
