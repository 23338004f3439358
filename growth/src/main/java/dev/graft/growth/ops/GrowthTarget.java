package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sizes asked for; a null size keeps the source's value (or, for operators with a factor, the
 * value the factor gives).
 *
 * <pre>{@code
 * GrowthTarget.parse("hidden=1536,layers=24") // heads, kv_heads, ffn follow the operator's rule
 * }</pre>
 */
public record GrowthTarget(
        Integer hidden, Integer layers, Integer heads, Integer kvHeads, Integer ffn) {

    /** Nothing asked: every size kept (or given by {@code --factor}). */
    public static GrowthTarget unchanged() {
        return new GrowthTarget(null, null, null, null, null);
    }

    /**
     * Parses {@code hidden=H,layers=L,heads=A,kv_heads=G,ffn=F} (any subset, any order).
     *
     * @throws IllegalArgumentException naming the bad key or value and the keys allowed
     */
    public static GrowthTarget parse(String spec) {
        Map<String, Integer> v = new LinkedHashMap<>();
        if (spec != null && !spec.isBlank()) {
            for (String part : spec.split(",")) {
                String[] kv = part.split("=", 2);
                String key = kv[0].trim();
                if (!java.util.List.of("hidden", "layers", "heads", "kv_heads", "ffn").contains(key)
                        || kv.length != 2) {
                    throw new IllegalArgumentException(
                            "--to part '"
                                    + part
                                    + "' is not KEY=N; keys are hidden, layers, heads, kv_heads,"
                                    + " ffn");
                }
                int n;
                try {
                    n = Integer.parseInt(kv[1].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "--to " + key + " is '" + kv[1] + "'; expected a positive integer");
                }
                if (n <= 0) {
                    throw new IllegalArgumentException(
                            "--to " + key + " is " + n + "; expected a positive integer");
                }
                v.put(key, n);
            }
        }
        return new GrowthTarget(
                v.get("hidden"), v.get("layers"), v.get("heads"), v.get("kv_heads"), v.get("ffn"));
    }

    /** Whether a width size (hidden, heads, kv heads, FFN) was asked for. */
    public boolean changesWidth() {
        return hidden != null || heads != null || kvHeads != null || ffn != null;
    }

    /** {@code hidden=64,layers=4} (only the sizes given). */
    public String describe() {
        StringBuilder b = new StringBuilder();
        append(b, "hidden", hidden);
        append(b, "layers", layers);
        append(b, "heads", heads);
        append(b, "kv_heads", kvHeads);
        append(b, "ffn", ffn);
        return b.length() == 0 ? "(unchanged)" : b.toString();
    }

    /** The same target with the sizes this one leaves open taken from {@code arch}. */
    GrowthTarget orKeep(ArchSpec arch) {
        return new GrowthTarget(
                hidden != null ? hidden : arch.hiddenSize(),
                layers != null ? layers : arch.numLayers(),
                heads != null ? heads : arch.numHeads(),
                kvHeads != null ? kvHeads : arch.numKvHeads(),
                ffn != null ? ffn : arch.intermediateSize());
    }

    private static void append(StringBuilder b, String key, Integer v) {
        if (v != null) {
            b.append(b.length() == 0 ? "" : ",").append(key).append('=').append(v);
        }
    }
}
