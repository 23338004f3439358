package dev.graft.jobs.trigger;

import dev.graft.growth.detect.ReorderBuffer;
import dev.graft.growth.detect.RunDetectorState;

import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.Objects;

/**
 * Writes a {@link TrackedRun} field by field; the detector state goes through {@code detection},
 * the serializer Flink derives for {@link RunDetectorState} (a nested serializer: its own snapshot
 * travels with this one, so it evolves as it did inside {@link RunState}).
 *
 * <p>Not immutable: {@link #copy(TrackedRun)} copies the reorder buffer, so the heap backend's
 * copy-on-write gives an asynchronous snapshot a run as it was when the snapshot began, while the
 * operator goes on changing the live one in place.
 *
 * <h2>Format, outer version 1</h2>
 *
 * {@code generation} (int); the reorder buffer ({@link ReorderBuffer#writeTo}); the detector state
 * (nested); {@code decisions}, {@code growths} (ints); {@code held} (boolean); {@code lastStep},
 * {@code lastWallTimeMs}, {@code lastSeenMillis} (longs); {@code idle} (boolean); {@code
 * budgetApplied} (modified UTF-8); {@code hasRunBudget} (boolean).
 */
final class TrackedRunSerializer extends TypeSerializer<TrackedRun> {
    private static final long serialVersionUID = 1L;

    private final TypeSerializer<RunDetectorState> detection;

    TrackedRunSerializer(TypeSerializer<RunDetectorState> detection) {
        this.detection = Objects.requireNonNull(detection, "detection");
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<TrackedRun> duplicate() {
        TypeSerializer<RunDetectorState> d = detection.duplicate();
        return d == detection ? this : new TrackedRunSerializer(d);
    }

    @Override
    public TrackedRun createInstance() {
        return null; // no meaningful default: a run starts from the sequencer's and detector's own
    }

    @Override
    public TrackedRun copy(TrackedRun from) {
        return from.copy();
    }

    @Override
    public TrackedRun copy(TrackedRun from, TrackedRun reuse) {
        return from.copy();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(TrackedRun run, DataOutputView out) throws IOException {
        out.writeInt(run.generation);
        run.sequence.writeTo(out);
        detection.serialize(run.detection, out);
        out.writeInt(run.decisions);
        out.writeInt(run.growths);
        out.writeBoolean(run.held);
        out.writeLong(run.lastStep);
        out.writeLong(run.lastWallTimeMs);
        out.writeLong(run.lastSeenMillis);
        out.writeBoolean(run.idle);
        out.writeUTF(run.budgetApplied);
        out.writeBoolean(run.hasRunBudget);
    }

    @Override
    public TrackedRun deserialize(DataInputView in) throws IOException {
        int generation = in.readInt();
        ReorderBuffer sequence = ReorderBuffer.readFrom(in);
        RunDetectorState d = detection.deserialize(in);
        int decisions = in.readInt();
        int growths = in.readInt();
        if (generation < 0 || decisions < 0 || growths < 0 || d == null) {
            throw new IOException(
                    "Run state: generation, decisions and growths must be >= 0 and the detector"
                            + " state present, found generation "
                            + generation
                            + ", decisions "
                            + decisions
                            + ", growths "
                            + growths
                            + ", detector state "
                            + d);
        }
        return new TrackedRun(
                generation,
                sequence,
                d,
                decisions,
                growths,
                in.readBoolean(),
                in.readLong(),
                in.readLong(),
                in.readLong(),
                in.readBoolean(),
                in.readUTF(),
                in.readBoolean());
    }

    @Override
    public TrackedRun deserialize(TrackedRun reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrackedRunSerializer s && detection.equals(s.detection);
    }

    @Override
    public int hashCode() {
        return detection.hashCode() * 31 + 11;
    }

    @Override
    public TypeSerializerSnapshot<TrackedRun> snapshotConfiguration() {
        return new Snapshot(this);
    }

    /** The format version and the detector state's own snapshot. */
    public static final class Snapshot
            extends CompositeTypeSerializerSnapshot<TrackedRun, TrackedRunSerializer> {
        public Snapshot() {}

        Snapshot(TrackedRunSerializer serializer) {
            super(serializer);
        }

        @Override
        protected int getCurrentOuterSnapshotVersion() {
            return 1;
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(TrackedRunSerializer outer) {
            return new TypeSerializer<?>[] {outer.detection};
        }

        @Override
        @SuppressWarnings("unchecked")
        protected TrackedRunSerializer createOuterSerializerWithNestedSerializers(
                TypeSerializer<?>[] nested) {
            return new TrackedRunSerializer((TypeSerializer<RunDetectorState>) nested[0]);
        }
    }
}
