/**
 * Transformer architectures as Graft sees them: {@link dev.graft.growth.arch.ArchSpec} (family,
 * widths, depth, heads, norms, tying), the tensors a checkpoint of an architecture holds ({@link
 * dev.graft.growth.arch.TensorLayout}, with the Hugging Face tensor names of each {@link
 * dev.graft.growth.arch.Family}) and its parameter count (tied tensors counted once).
 *
 * <p>Pure Java: the Avro {@code dev.graft.schema.ArchSpec} contract and {@code config.json} are
 * converted to and from this model in {@code dev.graft.connectors.hf}.
 */
package dev.graft.growth.arch;
