package dev.graft.growth.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sees the intermediate activations of a forward pass, for importance scores (weight subcloning,
 * Minitron) and block importance. Every array is {@code [batch·tokens, width]} in F32 and valid
 * only during the call: the model reuses and mutates it afterwards (the residual stream is updated
 * in place), so a tap copies what it keeps.
 *
 * <pre>{@code
 * model.forward(input, new ActivationTap() {
 *     public void ffnHidden(int layer, INDArray m) { scores[layer].addi(abs(m).sum(0)); }
 * }).close();
 * }</pre>
 *
 * <p>Every method does nothing by default. Layers are numbered as the checkpoint numbers them
 * (ALBERT: the layer position, which may run a shared group).
 */
public interface ActivationTap {

    /** A tap that looks at nothing. */
    ActivationTap NONE = new ActivationTap() {};

    /**
     * What the embeddings write into the residual stream (gpt2: token + position; llama: token;
     * bert: after the embedding LayerNorm).
     */
    default void embeddings(INDArray x) {}

    /** The residual stream entering block {@code layer} (before any norm). */
    default void blockInput(int layer, INDArray h) {}

    /**
     * The attention heads' outputs {@code softmax(q·kᵀ)·v}, heads side by side ({@code heads ×
     * head_dim} columns), before the output projection.
     */
    default void attentionHeads(int layer, INDArray o) {}

    /** What attention writes into the residual stream: the output projection with its bias. */
    default void attentionOutput(int layer, INDArray x) {}

    /**
     * Post-LN models only (bert): the residual stream between attention and the FFN, after
     * attention's add-and-LayerNorm. Pre-LN models have no such point (their stream is only
     * normalised on the way into a sublayer).
     */
    default void attentionNormOutput(int layer, INDArray h) {}

    /**
     * The FFN's intermediate activations, the input of its down projection (gpt2/bert: act(fc(x));
     * llama: silu(gate(x))·up(x)).
     */
    default void ffnHidden(int layer, INDArray m) {}

    /** What the FFN writes into the residual stream: the down projection with its bias. */
    default void ffnOutput(int layer, INDArray x) {}

    /** The residual stream leaving block {@code layer} (bert: after the output LayerNorm). */
    default void blockOutput(int layer, INDArray h) {}
}
