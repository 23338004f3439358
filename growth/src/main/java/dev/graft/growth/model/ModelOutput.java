package dev.graft.growth.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a forward pass computed, holding its native memory until closed: the final hidden states
 * {@code [batch, tokens, hidden]} (after the final norm for gpt2 and llama, as transformers' {@code
 * last_hidden_state}) and, when the model has a head, the logits {@code [batch, tokens, vocab]}.
 * Both F32. Using an output after {@link #close()} fails.
 *
 * <pre>{@code
 * try (ModelOutput out = model.forward(ModelInput.of(tokens))) {
 *     float[] logits = out.logitsAsFloats(); // row-major [batch, tokens, vocab]
 * }
 * }</pre>
 */
public final class ModelOutput implements AutoCloseable {

    private final INDArray hiddenStates;
    private final INDArray logits;
    private boolean closed;

    ModelOutput(INDArray hiddenStates, INDArray logits) {
        this.hiddenStates = hiddenStates;
        this.logits = logits;
    }

    /** Final hidden states, {@code [batch, tokens, hidden]}; valid until {@link #close()}. */
    public INDArray hiddenStates() {
        checkOpen();
        return hiddenStates;
    }

    /** Logits, {@code [batch, tokens, vocab]}, when the model has a head. */
    public Optional<INDArray> logits() {
        checkOpen();
        return Optional.ofNullable(logits);
    }

    /** Whether the model produced logits. */
    public boolean hasLogits() {
        return logits != null;
    }

    /** The hidden states as a row-major copy. */
    public float[] hiddenStatesAsFloats() {
        checkOpen();
        return hiddenStates.dup('c').data().asFloat();
    }

    /**
     * The logits as a row-major copy.
     *
     * @throws IllegalStateException if the model has no head
     */
    public float[] logitsAsFloats() {
        checkOpen();
        if (logits == null) {
            throw new IllegalStateException(
                    "this model has no head and produced no logits; use hiddenStates()");
        }
        return logits.dup('c').data().asFloat();
    }

    /** {@code [batch, tokens, hidden]}. */
    public long[] hiddenShape() {
        return hiddenStates.shape();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            release(hiddenStates);
            release(logits);
        }
    }

    @Override
    public String toString() {
        return "ModelOutput[hidden "
                + Arrays.toString(hiddenStates.shape())
                + (logits == null ? "" : ", logits " + Arrays.toString(logits.shape()))
                + (closed ? ", closed" : "")
                + "]";
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("model output used after close()");
        }
    }

    static void release(INDArray a) {
        if (a != null && a.closeable()) {
            a.close();
        }
    }
}
