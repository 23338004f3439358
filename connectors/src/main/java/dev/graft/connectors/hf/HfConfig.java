package dev.graft.connectors.hf;

import dev.graft.connectors.safetensors.CheckpointFormatException;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.Norm;
import dev.graft.growth.arch.NormPlacement;
import dev.graft.growth.tensor.DType;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hugging Face {@code config.json} ⇄ {@link ArchSpec} for gpt2, llama, mistral, qwen2, bert and
 * albert, with the defaults the {@code transformers} config classes apply to absent fields.
 *
 * <pre>{@code
 * ArchSpec arch = HfConfig.read(dir.resolve("config.json"));
 * HfConfig.write(target.resolve("config.json"), grown, HfConfig.readTree(dir.resolve("config.json")));
 * }</pre>
 *
 * <p>Writing starts from the source checkpoint's config, so settings Graft does not model
 * (tokenizer ids, dropout, …) carry over, and rewrites only the fields an architecture change
 * touches.
 */
public final class HfConfig {

    /** The file name. */
    public static final String FILE_NAME = "config.json";

    /** Largest config Graft reads. */
    public static final long MAX_CONFIG_BYTES = 16L << 20;

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfConfig() {}

    /** Reads {@code config.json} as a JSON object, refusing files over 16 MiB. */
    public static ObjectNode readTree(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_CONFIG_BYTES) {
            throw new CheckpointFormatException(
                    file.toString(),
                    null,
                    "config is " + size + " bytes, over the limit of " + MAX_CONFIG_BYTES);
        }
        JsonNode node;
        try {
            node = JSON.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(
                    file.toString(),
                    null,
                    "config is not well-formed JSON: "
                            + e.getOriginalMessage().replaceAll("\\s+", " "),
                    e);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new CheckpointFormatException(
                    file.toString(), null, "config is not a JSON object");
        }
        return object;
    }

    /** Reads {@code config.json} as an architecture. */
    public static ArchSpec read(Path file) throws IOException {
        return fromJson(readTree(file), file.toString());
    }

    /**
     * The architecture a config describes.
     *
     * @param source names the config in error messages
     * @throws CheckpointFormatException for an unknown {@code model_type}, a missing or mistyped
     *     field, or an inconsistent architecture
     */
    public static ArchSpec fromJson(ObjectNode config, String source)
            throws CheckpointFormatException {
        Fields f = new Fields(config, source);
        String modelType = f.string("model_type", null);
        Family family =
                Family.fromModelType(modelType)
                        .orElseThrow(
                                () ->
                                        new CheckpointFormatException(
                                                source,
                                                null,
                                                "model_type '"
                                                        + modelType
                                                        + "' is not a family Graft knows;"
                                                        + " expected one of "
                                                        + Family.knownModelTypes()));
        DType dtype = dtype(f);
        Map<String, String> extra = new LinkedHashMap<>();
        try {
            return switch (family) {
                case GPT2 -> {
                    int d = f.integer("n_embd", 768);
                    int heads = f.integer("n_head", 12);
                    if (d % heads != 0) {
                        throw f.error("n_embd " + d + " is not a multiple of n_head " + heads);
                    }
                    if (f.bool("scale_attn_by_inverse_layer_idx", false)) {
                        extra.put("scale_attn_by_inverse_layer_idx", "true");
                    }
                    yield new ArchSpec(
                            family,
                            f.integer("vocab_size", 50257),
                            d,
                            f.integer("n_layer", 12),
                            heads,
                            heads,
                            d / heads,
                            f.integer("n_inner", 4 * d),
                            f.integer("n_positions", 1024),
                            Norm.LAYERNORM,
                            f.number("layer_norm_epsilon", 1e-5),
                            NormPlacement.PRE,
                            f.string("activation_function", "gelu_new"),
                            f.bool("tie_word_embeddings", true),
                            0,
                            null,
                            dtype,
                            extra);
                }
                case LLAMA, MISTRAL, QWEN2 -> {
                    int d = f.required("hidden_size");
                    int heads = f.required("num_attention_heads");
                    if (f.has("head_dim") == false && d % heads != 0) {
                        throw f.error(
                                "hidden_size "
                                        + d
                                        + " is not a multiple of num_attention_heads "
                                        + heads
                                        + " and head_dim is absent");
                    }
                    for (String flag : new String[] {"attention_bias", "mlp_bias"}) {
                        if (f.bool(flag, false)) {
                            extra.put(flag, "true");
                        }
                    }
                    for (String key :
                            new String[] {
                                "rope_scaling",
                                "sliding_window",
                                "use_sliding_window",
                                "max_window_layers"
                            }) {
                        if (f.has(key)) {
                            extra.put(key, f.raw(key));
                        }
                    }
                    yield new ArchSpec(
                            family,
                            f.required("vocab_size"),
                            d,
                            f.required("num_hidden_layers"),
                            heads,
                            f.integer("num_key_value_heads", heads),
                            f.integer("head_dim", d / heads),
                            f.required("intermediate_size"),
                            f.integer("max_position_embeddings", 2048),
                            Norm.RMSNORM,
                            f.number("rms_norm_eps", 1e-6),
                            NormPlacement.PRE,
                            f.string("hidden_act", "silu"),
                            f.bool("tie_word_embeddings", false),
                            0,
                            f.number("rope_theta", 10000.0),
                            dtype,
                            extra);
                }
                case BERT -> {
                    int d = f.integer("hidden_size", 768);
                    int heads = f.integer("num_attention_heads", 12);
                    if (d % heads != 0) {
                        throw f.error(
                                "hidden_size "
                                        + d
                                        + " is not a multiple of num_attention_heads "
                                        + heads);
                    }
                    extra.put("type_vocab_size", Integer.toString(f.integer("type_vocab_size", 2)));
                    if (f.has("position_embedding_type")) {
                        extra.put(
                                "position_embedding_type",
                                f.string("position_embedding_type", "absolute"));
                    }
                    yield new ArchSpec(
                            family,
                            f.integer("vocab_size", 30522),
                            d,
                            f.integer("num_hidden_layers", 12),
                            heads,
                            heads,
                            d / heads,
                            f.integer("intermediate_size", 3072),
                            f.integer("max_position_embeddings", 512),
                            Norm.LAYERNORM,
                            f.number("layer_norm_eps", 1e-12),
                            NormPlacement.POST,
                            f.string("hidden_act", "gelu"),
                            f.bool("tie_word_embeddings", true),
                            0,
                            null,
                            dtype,
                            extra);
                }
                case ALBERT -> {
                    // transformers AlbertConfig defaults (albert-xxlarge sizes, gelu_new).
                    int d = f.integer("hidden_size", 4096);
                    int heads = f.integer("num_attention_heads", 64);
                    if (d % heads != 0) {
                        throw f.error(
                                "hidden_size "
                                        + d
                                        + " is not a multiple of num_attention_heads "
                                        + heads);
                    }
                    extra.put("type_vocab_size", Integer.toString(f.integer("type_vocab_size", 2)));
                    extra.put("embedding_size", Integer.toString(f.integer("embedding_size", 128)));
                    extra.put("inner_group_num", Integer.toString(f.integer("inner_group_num", 1)));
                    if (f.has("position_embedding_type")) {
                        extra.put(
                                "position_embedding_type",
                                f.string("position_embedding_type", "absolute"));
                    }
                    yield new ArchSpec(
                            family,
                            f.integer("vocab_size", 30000),
                            d,
                            f.integer("num_hidden_layers", 12),
                            heads,
                            heads,
                            d / heads,
                            f.integer("intermediate_size", 16384),
                            f.integer("max_position_embeddings", 512),
                            Norm.LAYERNORM,
                            f.number("layer_norm_eps", 1e-12),
                            NormPlacement.POST,
                            f.string("hidden_act", "gelu_new"),
                            f.bool("tie_word_embeddings", true),
                            f.integer("num_hidden_groups", 1),
                            null,
                            dtype,
                            extra);
                }
            };
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(source, null, e.getMessage());
        }
    }

    /**
     * The config of {@code arch}: {@code base} (the source checkpoint's config, or an empty object)
     * with every field the architecture determines rewritten.
     */
    public static ObjectNode toJson(ArchSpec arch, ObjectNode base) {
        ObjectNode c = base.deepCopy();
        c.put("model_type", arch.family().modelType());
        c.put("vocab_size", arch.vocabSize());
        c.put("tie_word_embeddings", arch.tieWordEmbeddings());
        c.put("torch_dtype", torchDtype(arch.dtype()));
        switch (arch.family()) {
            case GPT2 -> {
                c.put("n_embd", arch.hiddenSize());
                c.put("n_head", arch.numHeads());
                c.put("n_layer", arch.numLayers());
                c.put("n_inner", arch.intermediateSize());
                c.put("n_positions", arch.maxPositions());
                if (c.has("n_ctx")) {
                    c.put("n_ctx", arch.maxPositions());
                }
                c.put("layer_norm_epsilon", arch.normEps());
                c.put("activation_function", arch.activation());
                if (arch.extraFlag("scale_attn_by_inverse_layer_idx")) {
                    c.put("scale_attn_by_inverse_layer_idx", true);
                }
            }
            case LLAMA, MISTRAL, QWEN2 -> {
                common(c, arch);
                c.put("num_key_value_heads", arch.numKvHeads());
                c.put("head_dim", arch.headDim());
                c.put("rms_norm_eps", arch.normEps());
                if (arch.ropeTheta() != null) {
                    c.put("rope_theta", arch.ropeTheta());
                }
                for (String flag : new String[] {"attention_bias", "mlp_bias"}) {
                    if (arch.extra().containsKey(flag) || c.has(flag)) {
                        c.put(flag, arch.extraFlag(flag));
                    }
                }
                for (String key :
                        new String[] {
                            "rope_scaling",
                            "sliding_window",
                            "use_sliding_window",
                            "max_window_layers"
                        }) {
                    String v = arch.extra().get(key);
                    if (v != null) {
                        try {
                            c.set(key, JSON.readTree(v));
                        } catch (JsonProcessingException e) {
                            c.put(key, v);
                        }
                    }
                }
            }
            case BERT -> {
                common(c, arch);
                c.put("layer_norm_eps", arch.normEps());
                c.put("type_vocab_size", arch.extraInt("type_vocab_size", 2));
                String pos = arch.extra().get("position_embedding_type");
                if (pos != null) {
                    c.put("position_embedding_type", pos);
                }
            }
            case ALBERT -> {
                common(c, arch);
                c.put("layer_norm_eps", arch.normEps());
                c.put("type_vocab_size", arch.extraInt("type_vocab_size", 2));
                c.put("embedding_size", arch.extraInt("embedding_size", 128));
                c.put("inner_group_num", arch.extraInt("inner_group_num", 1));
                c.put("num_hidden_groups", arch.numLayerGroups());
                String pos = arch.extra().get("position_embedding_type");
                if (pos != null) {
                    c.put("position_embedding_type", pos);
                }
            }
        }
        return c;
    }

    /** Writes the config of {@code arch} (see {@link #toJson}). */
    public static void write(Path file, ArchSpec arch, ObjectNode base) throws IOException {
        Files.write(file, JSON.writeValueAsBytes(toJson(arch, base)));
    }

    private static void common(ObjectNode c, ArchSpec arch) {
        c.put("hidden_size", arch.hiddenSize());
        c.put("intermediate_size", arch.intermediateSize());
        c.put("num_attention_heads", arch.numHeads());
        c.put("num_hidden_layers", arch.numLayers());
        c.put("max_position_embeddings", arch.maxPositions());
        c.put("hidden_act", arch.activation());
    }

    private static DType dtype(Fields f) throws CheckpointFormatException {
        String key = f.has("torch_dtype") ? "torch_dtype" : "dtype";
        String t = f.string(key, "float32");
        return switch (t) {
            case "float32" -> DType.F32;
            case "float16" -> DType.F16;
            case "bfloat16" -> DType.BF16;
            default ->
                    throw f.error(key + " is '" + t + "'; expected float32, float16 or bfloat16");
        };
    }

    static String torchDtype(DType d) {
        return switch (d) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        };
    }

    /** Typed access to config fields, with messages naming the field. */
    private record Fields(ObjectNode node, String source) {

        boolean has(String key) {
            JsonNode v = node.get(key);
            return v != null && !v.isNull();
        }

        CheckpointFormatException error(String problem) {
            return new CheckpointFormatException(source, null, problem);
        }

        int required(String key) throws CheckpointFormatException {
            if (!has(key)) {
                throw error("config has no " + key + "; expected a positive integer");
            }
            return integer(key, 0);
        }

        int integer(String key, int fallback) throws CheckpointFormatException {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw error(key + " is " + v + "; expected an integer");
            }
            return v.intValue();
        }

        double number(String key, double fallback) throws CheckpointFormatException {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isNumber()) {
                throw error(key + " is " + v + "; expected a number");
            }
            return v.doubleValue();
        }

        boolean bool(String key, boolean fallback) throws CheckpointFormatException {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isBoolean()) {
                throw error(key + " is " + v + "; expected true or false");
            }
            return v.booleanValue();
        }

        String string(String key, String fallback) throws CheckpointFormatException {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                if (fallback == null) {
                    throw error("config has no " + key);
                }
                return fallback;
            }
            if (!v.isTextual()) {
                throw error(key + " is " + v + "; expected a string");
            }
            return v.textValue();
        }

        String raw(String key) {
            JsonNode v = node.get(key);
            return v.isTextual() ? v.textValue() : v.toString();
        }
    }
}
