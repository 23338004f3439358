package dev.graft.growth.arch;

/** Normalisation layer kind. */
public enum Norm {
    /** LayerNorm: weight and bias. */
    LAYERNORM,
    /** RMSNorm: weight only. */
    RMSNORM
}
