package dev.graft.growth.arch;

import dev.graft.growth.tensor.DType;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A transformer architecture: enough to size, compare and transform a checkpoint. Mirrors the
 * Hugging Face {@code config.json} fields that matter for growth (and the Avro {@code ArchSpec}
 * contract, without its derived parameter count: see {@link TensorLayout#parameterCount}).
 *
 * <p>Instances check themselves: sizes are positive, heads divide evenly into key/value groups, and
 * a family's fixed choices (norm kind and placement) hold.
 *
 * @param ropeTheta RoPE base frequency; {@code null} for families without rotary positions
 * @param extra other settings that matter to a family, as strings ({@code type_vocab_size}, {@code
 *     attention_bias}, {@code rope_scaling}, …)
 */
public record ArchSpec(
        Family family,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int intermediateSize,
        int maxPositions,
        Norm norm,
        double normEps,
        NormPlacement normPlacement,
        String activation,
        boolean tieWordEmbeddings,
        int numLayerGroups,
        Double ropeTheta,
        DType dtype,
        Map<String, String> extra) {

    public ArchSpec {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(norm, "norm");
        Objects.requireNonNull(normPlacement, "normPlacement");
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(dtype, "dtype");
        extra = Map.copyOf(extra == null ? Map.of() : extra);
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("num_layers", numLayers);
        positive("num_heads", numHeads);
        positive("num_kv_heads", numKvHeads);
        positive("head_dim", headDim);
        positive("intermediate_size", intermediateSize);
        positive("max_positions", maxPositions);
        if (numLayerGroups < 0) {
            throw invalid("num_layer_groups", numLayerGroups, "0 (no sharing) or more");
        }
        if (numHeads % numKvHeads != 0) {
            throw invalid(
                    "num_kv_heads",
                    numKvHeads,
                    "a divisor of num_heads = " + numHeads + " (grouped-query attention)");
        }
        if (!(normEps > 0) || Double.isInfinite(normEps)) {
            throw invalid("norm_eps", normEps, "a positive finite number");
        }
        if (ropeTheta != null && (!(ropeTheta > 0) || ropeTheta.isInfinite())) {
            throw invalid("rope_theta", ropeTheta, "a positive finite number or absent");
        }
        if (!dtype.isComputable()) {
            throw invalid("dtype", dtype, "F32, F16 or BF16");
        }
        if ((family == Family.GPT2 || family.isEncoder())
                && (long) numHeads * headDim != hiddenSize) {
            throw invalid(
                    "head_dim",
                    headDim,
                    "hidden_size / num_heads = "
                            + hiddenSize
                            + " / "
                            + numHeads
                            + " for "
                            + family);
        }
        if (family.isLlamaLike() && norm != Norm.RMSNORM) {
            throw invalid("norm", norm, "RMSNORM for " + family);
        }
        if (!family.isLlamaLike() && norm != Norm.LAYERNORM) {
            throw invalid("norm", norm, "LAYERNORM for " + family);
        }
        if (family == Family.ALBERT && (numLayerGroups < 1 || numLayerGroups > numLayers)) {
            throw invalid(
                    "num_layer_groups",
                    numLayerGroups,
                    "1 to num_layers = " + numLayers + " for albert (num_hidden_groups)");
        }
        NormPlacement expected = family.isEncoder() ? NormPlacement.POST : NormPlacement.PRE;
        if (normPlacement != expected) {
            throw invalid("norm_placement", normPlacement, expected + " for " + family);
        }
    }

    /** The {@code extra} setting, or {@code fallback}. */
    public String extra(String key, String fallback) {
        return extra.getOrDefault(key, fallback);
    }

    /** Whether the {@code extra} setting is {@code "true"}. */
    public boolean extraFlag(String key) {
        return Boolean.parseBoolean(extra.get(key));
    }

    /** The {@code extra} setting as an int, or {@code fallback}. */
    public int extraInt(String key, int fallback) {
        String v = extra.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw invalid("extra." + key, v, "an integer");
        }
    }

    /** Width of the query projection: {@code num_heads × head_dim}. */
    public long queryWidth() {
        return (long) numHeads * headDim;
    }

    /** Width of each of the key and value projections: {@code num_kv_heads × head_dim}. */
    public long kvWidth() {
        return (long) numKvHeads * headDim;
    }

    /** A copy with another storage dtype. */
    public ArchSpec withDType(DType newDType) {
        return new ArchSpec(
                family,
                vocabSize,
                hiddenSize,
                numLayers,
                numHeads,
                numKvHeads,
                headDim,
                intermediateSize,
                maxPositions,
                norm,
                normEps,
                normPlacement,
                activation,
                tieWordEmbeddings,
                numLayerGroups,
                ropeTheta,
                newDType,
                extra);
    }

    /** The extra settings, sorted by key (for stable output). */
    public Map<String, String> sortedExtra() {
        return new TreeMap<>(extra);
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw invalid(field, value, "a positive integer");
        }
    }

    private static IllegalArgumentException invalid(String field, Object found, String expected) {
        return new IllegalArgumentException(
                "architecture field " + field + " is " + found + "; expected " + expected);
    }
}
