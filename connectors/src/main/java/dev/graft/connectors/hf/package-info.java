/**
 * Hugging Face checkpoints: {@code config.json} ⇄ {@link dev.graft.growth.arch.ArchSpec} for the
 * families Graft knows ({@link dev.graft.connectors.hf.HfConfig}), the Avro contract's {@code
 * ArchSpec} ({@link dev.graft.connectors.hf.ArchSpecs}), and a checkpoint directory read as config
 * plus tensors matched against the family's tensor names ({@link
 * dev.graft.connectors.hf.HfCheckpoint}).
 */
package dev.graft.connectors.hf;
