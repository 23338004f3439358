package dev.graft.jobs.trigger;

import dev.graft.growth.detect.MetricPoint;
import dev.graft.growth.detect.RunDetector;
import dev.graft.growth.detect.RunDetectorState;
import dev.graft.growth.detect.StepSequencer;
import dev.graft.jobs.GraftOptions;
import dev.graft.jobs.GraftSettings;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.StateEntry;
import org.apache.flink.runtime.state.StateSnapshotTransformer;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.heap.CopyOnWriteStateMap;
import org.apache.flink.runtime.state.heap.CopyOnWriteStateMapSnapshot;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The run state's serializer: its stored form, its snapshot, and the reason it is not immutable —
 * the heap backend's copy-on-write must give an asynchronous snapshot its own copy of a run that
 * the operator then changes in place.
 */
class TrackedRunSerializerTest {
    private static final GraftSettings SETTINGS = settings();
    private static final StepSequencer SEQUENCER = new StepSequencer(4, 2_000);
    private static final RunDetector DETECTOR = new RunDetector(SETTINGS.detection());

    private static GraftSettings settings() {
        Configuration c = new Configuration();
        c.set(GraftOptions.TRIGGER_PLATEAU_PATIENCE, 3);
        return GraftSettings.from(c);
    }

    private static TrackedRunSerializer serializer() {
        return new TrackedRunSerializer(
                TypeInformation.of(RunDetectorState.class)
                        .createSerializer(new SerializerConfigImpl()));
    }

    /** A run as the operator leaves it after {@code metrics} values, some out of order. */
    private static TrackedRun driven(int metrics) {
        TrackedRun run = TrackedRun.started(SEQUENCER.newBuffer(), DETECTOR.initialState(), 1_000);
        feed(run, 1, metrics);
        run.budgetApplied = "b-7";
        run.hasRunBudget = true;
        return run;
    }

    /** What the operator does to a run for the values of steps {@code from..to}. */
    private static void feed(TrackedRun run, long from, long to) {
        List<MetricPoint> released = new ArrayList<>();
        for (long step = from; step <= to; step++) {
            long s = step % 5 == 0 ? step + 1 : step % 5 == 1 && step > 1 ? step - 1 : step;
            released.clear();
            SEQUENCER.offer(run.sequence, s, 10_000 + s, 2.0 / s, 1_000 + s, released);
            for (MetricPoint p : released) {
                var d = DETECTOR.evaluate(run.detection, p.step(), p.wallTimeMillis(), p.value());
                run.evaluated(d.state(), p.step(), p.wallTimeMillis());
            }
            run.seen(1_000 + s, 10_000 + s);
        }
        run.acted(true, true);
    }

    private static TrackedRun roundTrip(TrackedRun run) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer().serialize(run, out);
        return serializer().deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    @Test
    void writesAndReadsEveryField() throws IOException {
        TrackedRun run = driven(23);
        assertThat(run.sequence.size()).isEqualTo(4);
        TrackedRun read = roundTrip(run);
        assertThat(read).isEqualTo(run);
        assertThat(read.sequence).isNotSameAs(run.sequence);
        assertThat(read.budgetApplied).isEqualTo("b-7");
        assertThat(read.lastStep).isEqualTo(run.lastStep);
        assertThat(read.decisions).isEqualTo(1);

        // Both go on the same way.
        feed(run, 24, 40);
        feed(read, 24, 40);
        assertThat(read).isEqualTo(run);
    }

    @Test
    void aSnapshotInFlightKeepsItsViewWhileTheLiveRunChangesInPlace() throws Exception {
        TrackedRun live = driven(12);
        TrackedRun asSnapshotted = roundTrip(live);

        CopyOnWriteStateMap<String, VoidNamespace, TrackedRun> map = copyOnWriteMap();
        map.put("r1", VoidNamespace.INSTANCE, live);
        CopyOnWriteStateMapSnapshot<String, VoidNamespace, TrackedRun> snapshot =
                map.stateSnapshot();
        // The operator's next record: get (copy-on-write hands it a copy), change in place.
        feed(map.get("r1", VoidNamespace.INSTANCE), 13, 30);

        assertThat(snapshotted(snapshot)).isEqualTo(asSnapshotted);
        assertThat(map.get("r1", VoidNamespace.INSTANCE)).isNotEqualTo(asSnapshotted);
        snapshot.release();
    }

    @Test
    void itsSnapshotRestoresTheSameSerializerAndRefusesOthers() throws Exception {
        TrackedRunSerializer serializer = serializer();
        TypeSerializerSnapshot<TrackedRun> written = serializer.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(256);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, written);
        TypeSerializerSnapshot<TrackedRun> read =
                TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(out.getCopyOfBuffer()),
                        getClass().getClassLoader());
        TypeSerializer<TrackedRun> restored = read.restoreSerializer();
        assertThat(restored).isEqualTo(serializer);
        assertThat(
                        serializer
                                .snapshotConfiguration()
                                .resolveSchemaCompatibility(read)
                                .isCompatibleAsIs())
                .isTrue();

        @SuppressWarnings("unchecked")
        TypeSerializerSnapshot<TrackedRun> foreign =
                (TypeSerializerSnapshot<TrackedRun>)
                        (TypeSerializerSnapshot<?>)
                                StringSerializer.INSTANCE.snapshotConfiguration();
        assertThat(
                        serializer
                                .snapshotConfiguration()
                                .resolveSchemaCompatibility(foreign)
                                .isIncompatible())
                .isTrue();
    }

    @Test
    void aCorruptStreamFailsNamingWhatIsWrong() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeInt(0); // generation
        out.writeLong(Long.MIN_VALUE); // the buffer's last step
        out.writeInt(-5); // its ring of recent steps
        assertThatThrownBy(
                        () ->
                                serializer()
                                        .deserialize(
                                                new DataInputDeserializer(out.getCopyOfBuffer())))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("recent slots out of range: -5");
    }

    private static TrackedRun snapshotted(
            CopyOnWriteStateMapSnapshot<String, VoidNamespace, TrackedRun> snapshot)
            throws IOException {
        // What the asynchronous part writes: the snapshot's entries, serialized.
        Iterator<StateEntry<String, VoidNamespace, TrackedRun>> it =
                snapshot.getIterator(
                        StringSerializer.INSTANCE,
                        VoidNamespaceSerializer.INSTANCE,
                        serializer(),
                        (StateSnapshotTransformer<TrackedRun>) null);
        TrackedRun only = it.next().getState();
        assertThat(it.hasNext()).isFalse();
        return roundTrip(only);
    }

    /** Flink's heap backend map (its constructor is package-private). */
    @SuppressWarnings("unchecked")
    private static CopyOnWriteStateMap<String, VoidNamespace, TrackedRun> copyOnWriteMap()
            throws Exception {
        Constructor<?> c = CopyOnWriteStateMap.class.getDeclaredConstructor(TypeSerializer.class);
        c.setAccessible(true);
        return (CopyOnWriteStateMap<String, VoidNamespace, TrackedRun>) c.newInstance(serializer());
    }
}
