/**
 * The reference forward pass: what a checkpoint computes, per family, in F32 on ND4J.
 *
 * <p>{@link dev.graft.growth.model.TransformerModel#of} builds a model from an architecture and its
 * tensors (Hugging Face names and layouts); {@link dev.graft.growth.model.TransformerModel#forward}
 * runs a batch of token sequences and returns the final hidden states and, when the checkpoint has
 * a head, the logits, in an {@link dev.graft.growth.model.ModelOutput} that owns their native
 * memory.
 *
 * <ul>
 *   <li><b>gpt2</b>: pre-LN, learned positions, Conv1D {@code (in, out)} weights, fused {@code
 *       c_attn}, causal, tanh- or erf-GELU, tied or untied head, {@code
 *       scale_attn_by_inverse_layer_idx}.
 *   <li><b>llama</b>, <b>mistral</b>, <b>qwen2</b>: RMSNorm, rotary positions with transformers'
 *       rotate-half convention and {@code rope_theta}, grouped-query attention, SwiGLU, optional
 *       biases, tied or untied head.
 *   <li><b>bert</b>: post-LN encoder, token types, padding mask, erf-GELU; MLM logits when {@code
 *       cls.predictions} is present.
 *   <li><b>albert</b>: BERT's encoder with the factorized embedding projection and layers shared in
 *       {@code num_hidden_groups} groups; MLM logits when {@code predictions} is present.
 * </ul>
 *
 * <p>Every family is checked against an independent numpy reference written from the transformers
 * modeling code ({@code connectors/src/test/python/reference_models.py}); see {@code
 * docs/models.md}.
 */
package dev.graft.growth.model;
