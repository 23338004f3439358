package dev.graft.jobs.transform;

import dev.graft.connectors.transform.Splitting;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransformSettingsTest {

    @Test
    void splittingDefaultsToOneGroupPerSubtaskFromOneGibibyte() {
        Splitting s = TransformSettings.from(new Configuration()).splitting();
        assertThat(s.thresholdBytes()).isEqualTo(1L << 30);
        assertThat(s.groups()).isZero();
        assertThat(s.maxShardBytes()).isEqualTo(5_000_000_000L);
    }

    @Test
    void splittingIsReadFromTheOptions() {
        Configuration conf = new Configuration();
        conf.set(TransformOptions.SPLIT_THRESHOLD, MemorySize.parse("256 mb"));
        conf.set(TransformOptions.SPLIT_GROUPS, 3);
        Splitting s = TransformSettings.from(conf).splitting();
        assertThat(s.thresholdBytes()).isEqualTo(256L << 20);
        assertThat(s.groups()).isEqualTo(3);
    }

    @Test
    void negativeGroupsAreRefusedNamingTheKey() {
        Configuration conf = new Configuration();
        conf.set(TransformOptions.SPLIT_GROUPS, -2);
        conf.set(TransformOptions.CAPACITY, 0);
        assertThatThrownBy(() -> TransformSettings.from(conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("graft.transform.split.groups: expected >= 0")
                .hasMessageContaining("found '-2'")
                .hasMessageContaining("graft.transform.capacity");
    }
}
