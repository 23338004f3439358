package dev.graft.jobs.trigger;

import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.Objects;

/**
 * Serializes like {@code delegate} but never copies: for state values that are immutable (Graft's
 * per-run state is a tree of records whose arrays are copied in and out), so the heap state
 * backend's copy-on-write during asynchronous snapshots, and object copies between operators, cost
 * nothing. Using it for a mutable type would let a snapshot see later writes: don't.
 *
 * @param <T> an immutable type
 */
final class ImmutableValueSerializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;
    private final TypeSerializer<T> delegate;

    ImmutableValueSerializer(TypeSerializer<T> delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public TypeSerializer<T> duplicate() {
        TypeSerializer<T> d = delegate.duplicate();
        return d == delegate ? this : new ImmutableValueSerializer<>(d);
    }

    @Override
    public T createInstance() {
        return delegate.createInstance();
    }

    @Override
    public T copy(T from) {
        return from;
    }

    @Override
    public T copy(T from, T reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return delegate.getLength();
    }

    @Override
    public void serialize(T record, DataOutputView target) throws IOException {
        delegate.serialize(record, target);
    }

    @Override
    public T deserialize(DataInputView source) throws IOException {
        return delegate.deserialize(source);
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return delegate.deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        delegate.copy(source, target);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImmutableValueSerializer<?> other && delegate.equals(other.delegate);
    }

    @Override
    public int hashCode() {
        return delegate.hashCode() * 31 + 7;
    }

    @Override
    public TypeSerializerSnapshot<T> snapshotConfiguration() {
        return new Snapshot<>(this);
    }

    /** Restores the wrapper around the delegate's own snapshot. */
    public static final class Snapshot<T>
            extends CompositeTypeSerializerSnapshot<T, ImmutableValueSerializer<T>> {
        public Snapshot() {}

        Snapshot(ImmutableValueSerializer<T> serializer) {
            super(serializer);
        }

        @Override
        protected int getCurrentOuterSnapshotVersion() {
            return 1;
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(ImmutableValueSerializer<T> outer) {
            return new TypeSerializer<?>[] {outer.delegate};
        }

        @Override
        @SuppressWarnings("unchecked")
        protected ImmutableValueSerializer<T> createOuterSerializerWithNestedSerializers(
                TypeSerializer<?>[] nested) {
            return new ImmutableValueSerializer<>((TypeSerializer<T>) nested[0]);
        }
    }
}
