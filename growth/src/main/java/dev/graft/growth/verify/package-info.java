/**
 * Function-preservation checks: a source model and its transformed result run on the same probe
 * inputs, and how far their outputs moved.
 *
 * <p>{@link dev.graft.growth.verify.Verifier#verify} compares logits when both models have a head
 * over the same vocabulary, else final hidden states when the widths match, and says what could not
 * be compared otherwise. A lossless {@link dev.graft.growth.verify.Claim} passes when {@code max|Δ|
 * / max|source output|} is at most its tolerance (1e-4 in F32 by default); an approximate one
 * reports its numbers and passes when it ran. The result, {@link
 * dev.graft.growth.verify.Verification}, maps onto the Avro {@code Verification} record in {@code
 * dev.graft.connectors.hf.Verifications}.
 */
package dev.graft.growth.verify;
