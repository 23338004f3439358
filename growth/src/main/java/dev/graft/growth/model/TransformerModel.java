package dev.graft.growth.model;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.tensor.TensorSource;

import java.io.IOException;

/**
 * A checkpoint as a function: token ids in, hidden states and logits out, computed in F32 as
 * transformers computes them for the family.
 *
 * <p>A model reads its tensors from the source layer by layer during {@link #forward}, so the
 * source must stay open while the model is used; the model does not close it.
 *
 * <pre>{@code
 * try (HfCheckpoint ckpt = HfCheckpoint.open(dir);
 *         TransformerModel model = TransformerModel.of(ckpt.arch(), ckpt.tensors());
 *         ModelOutput out = model.forward(new int[][] {{15496, 995}})) {
 *     INDArray logits = out.logits().orElseThrow(); // [1, 2, vocab]
 * }
 * }</pre>
 */
public interface TransformerModel extends AutoCloseable {

    /**
     * The reference model of {@code arch} over {@code tensors} (Hugging Face names, in any of the
     * family's naming variants).
     *
     * @throws IllegalArgumentException if a tensor the forward pass needs is missing or has the
     *     wrong shape (naming each), or the architecture uses a feature the reference does not
     *     implement ({@code rope_scaling}, relative position embeddings, an unknown activation)
     */
    static TransformerModel of(ArchSpec arch, TensorSource tensors) {
        return switch (arch.family()) {
            case GPT2 -> new Gpt2Model(arch, tensors);
            case LLAMA, MISTRAL, QWEN2 -> new LlamaModel(arch, tensors);
            case BERT, ALBERT -> new EncoderModel(arch, tensors);
        };
    }

    /** The architecture. */
    ArchSpec arch();

    /** Whether {@link #forward} produces logits (decoders always; encoders with an MLM head). */
    boolean hasHead();

    /**
     * Runs a batch.
     *
     * @throws IllegalArgumentException for a token id outside the vocabulary, a token type outside
     *     {@code type_vocab_size}, or more tokens than learned positions
     * @throws IllegalStateException after {@link #close()}
     */
    default ModelOutput forward(ModelInput input) throws IOException {
        return forward(input, ActivationTap.NONE);
    }

    /**
     * Runs a batch and shows {@code tap} the intermediate activations as they are computed.
     *
     * @throws IllegalArgumentException as {@link #forward(ModelInput)}
     * @throws IllegalStateException after {@link #close()}
     */
    ModelOutput forward(ModelInput input, ActivationTap tap) throws IOException;

    /** Runs token ids without token types or padding. */
    default ModelOutput forward(int[][] tokenIds) throws IOException {
        return forward(ModelInput.of(tokenIds));
    }

    /** Releases what the model caches (not the tensor source); later calls fail. */
    @Override
    void close();
}
