package dev.graft.growth.arch;

import java.util.Arrays;
import java.util.Collection;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Model families Graft reads and writes, named as Hugging Face {@code config.json} {@code
 * model_type} names them.
 *
 * <p>{@link #MISTRAL} and {@link #QWEN2} share Llama's tensor names and differ only in config (and
 * in Qwen2's query/key/value biases).
 */
public enum Family {
    GPT2("gpt2"),
    LLAMA("llama"),
    MISTRAL("mistral"),
    QWEN2("qwen2"),
    BERT("bert"),
    /**
     * ALBERT: BERT's post-LN encoder with a factorized embedding ({@code embedding_size} projected
     * to {@code hidden_size}) and layers shared in {@code num_hidden_groups} groups.
     */
    ALBERT("albert");

    private final String modelType;

    Family(String modelType) {
        this.modelType = modelType;
    }

    /** The {@code config.json} {@code model_type}. */
    public String modelType() {
        return modelType;
    }

    /** Whether the family is a post-LN encoder with token types and a padding mask. */
    public boolean isEncoder() {
        return this == BERT || this == ALBERT;
    }

    /** Whether the family uses Llama's tensor names (llama, mistral, qwen2). */
    public boolean isLlamaLike() {
        return this == LLAMA || this == MISTRAL || this == QWEN2;
    }

    /** The family with this {@code model_type}, if Graft knows it. */
    public static Optional<Family> fromModelType(String modelType) {
        return Arrays.stream(values()).filter(f -> f.modelType.equals(modelType)).findFirst();
    }

    /** The known {@code model_type} names, comma-separated, for error messages. */
    public static String knownModelTypes() {
        return Arrays.stream(values()).map(Family::modelType).collect(Collectors.joining(", "));
    }

    /**
     * The family a set of tensor names belongs to, from the names alone (for a safetensors file
     * without its {@code config.json}). Llama-like checkpoints are reported as {@link #LLAMA}.
     */
    public static Optional<Family> detect(Collection<String> tensorNames) {
        // ALBERT's embedding names match BERT's; its encoder names do not.
        for (String n : tensorNames) {
            if (n.contains("embedding_hidden_mapping_in.") || n.contains("albert_layer_groups.")) {
                return Optional.of(ALBERT);
            }
        }
        for (String n : tensorNames) {
            if (n.equals("wte.weight") || n.equals("transformer.wte.weight")) {
                return Optional.of(GPT2);
            }
            if (n.equals("model.embed_tokens.weight") || n.equals("embed_tokens.weight")) {
                return Optional.of(LLAMA);
            }
            if (n.endsWith("embeddings.word_embeddings.weight")) {
                return Optional.of(BERT);
            }
        }
        return Optional.empty();
    }
}
