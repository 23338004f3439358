package dev.graft.jobs;

import dev.graft.growth.detect.DetectionMode;
import dev.graft.growth.detect.Mode;
import dev.graft.growth.detect.ThresholdMode;
import dev.graft.growth.policy.GrowthLadder;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GraftSettingsTest {
    @Test
    void defaultsArePyTorchsReduceLrOnPlateauOnTheLoss() {
        GraftSettings settings = GraftSettings.from(new Configuration());
        assertThat(settings.plateauRule().metric()).isEqualTo("loss");
        assertThat(settings.plateauRule().mode()).isEqualTo(Mode.MIN);
        assertThat(settings.plateauRule().threshold()).isEqualTo(1e-4);
        assertThat(settings.plateauRule().thresholdMode()).isEqualTo(ThresholdMode.REL);
        assertThat(settings.plateauRule().patience()).isEqualTo(10);
        assertThat(settings.plateauRule().cooldown()).isZero();
        assertThat(settings.bootstrapServers()).isEqualTo("localhost:9092");
    }

    @Test
    void readsOptionsGivenAsStringsTheWayUsersWriteThem() {
        Configuration conf =
                Configuration.fromMap(
                        Map.of(
                                "graft.trigger.plateau.patience", "20",
                                "graft.trigger.plateau.mode", "max",
                                "graft.trigger.plateau.threshold-mode", "abs",
                                "graft.checkpoint.interval", "500 ms",
                                "graft.policy.grow-options", "init:zeros",
                                "graft.trigger.mode", "trend",
                                "graft.policy.ladder", "768x12;1024x24"));
        GraftSettings settings = GraftSettings.from(conf);
        assertThat(settings.plateauRule().patience()).isEqualTo(20);
        assertThat(settings.plateauRule().mode()).isEqualTo(Mode.MAX);
        assertThat(settings.plateauRule().thresholdMode()).isEqualTo(ThresholdMode.ABS);
        assertThat(settings.checkpointInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(settings.policy().growOptions())
                .containsExactlyEntriesOf(Map.of("init", "zeros"));
        assertThat(settings.detection().mode()).isEqualTo(DetectionMode.TREND);
        assertThat(settings.policy().ladder().rungs())
                .containsExactly(new GrowthLadder.Rung(768, 12), new GrowthLadder.Rung(1024, 24));
    }

    @Test
    void reportsEveryProblemNamingTheKeyTheValueAndWhatIsAllowed() {
        Configuration conf =
                Configuration.fromMap(
                        Map.of(
                                "graft.trigger.plateau.mode", "sideways",
                                "graft.trigger.max-decisions-per-generation", "0",
                                "graft.policy.grow-operator", "magic",
                                "graft.kafka.bootstrap-servers", "nohost",
                                "graft.trigger.mode", "wiggle",
                                "graft.trigger.reorder.max-records", "-1",
                                "graft.policy.grow-options", "width_factor:3"));
        assertThatThrownBy(() -> GraftSettings.from(conf))
                .hasMessageContaining(
                        "graft.trigger.plateau.mode: expected min or max, found 'sideways'")
                .hasMessageContaining(
                        "graft.trigger.max-decisions-per-generation: expected >= 1, found '0'")
                .hasMessageContaining("graft.policy.grow-operator: expected one of")
                .hasMessageContaining("found 'magic'")
                .hasMessageContaining("graft.kafka.bootstrap-servers: expected host:port")
                .hasMessageContaining(
                        "graft.trigger.mode: expected rlrop, ema, median or trend, found 'wiggle'")
                .hasMessageContaining("graft.trigger.reorder.max-records: expected 0..10000")
                .hasMessageContaining("graft.policy.grow-options: expected no width_factor");
    }

    @Test
    void transactionsMustOutliveCheckpoints() {
        Configuration conf = new Configuration();
        conf.set(GraftOptions.CHECKPOINT_INTERVAL, Duration.ofMinutes(10));
        assertThatThrownBy(() -> GraftSettings.from(conf))
                .hasMessageContaining("graft.kafka.transaction-timeout")
                .hasMessageContaining("at least twice graft.checkpoint.interval");
    }

    @Test
    void stateTtlMustOutliveTheIdleTimeoutAndTheCheckpointWait() {
        Configuration conf = new Configuration();
        conf.set(GraftOptions.TRIGGER_STATE_TTL, Duration.ofMinutes(1));
        assertThatThrownBy(() -> GraftSettings.from(conf))
                .hasMessageContaining("graft.trigger.state-ttl: expected more than")
                .hasMessageContaining("graft.trigger.run-idle-timeout (PT30M)");
    }

    @Test
    void negativePatienceIsRejectedWithTheDetectorsMessage() {
        Configuration conf = new Configuration();
        conf.set(GraftOptions.TRIGGER_PLATEAU_PATIENCE, -1);
        assertThatThrownBy(() -> GraftSettings.from(conf)).hasMessageContaining("patience");
    }
}
