/**
 * The safetensors format, read and written exactly as Hugging Face defines it: an 8-byte
 * little-endian header length, a UTF-8 JSON header ({@code dtype}, {@code shape}, {@code
 * data_offsets} relative to the data, optional {@code __metadata__}), then row-major little-endian
 * data; sharded checkpoints with {@code model.safetensors.index.json}.
 *
 * <p>Reading is lazy and memory-mapped ({@link dev.graft.connectors.safetensors.SafetensorsFile});
 * writing streams tensors to their final offsets ({@link
 * dev.graft.connectors.safetensors.SafetensorsWriter}). Validation is strict and never trusts a
 * length before checking it against the file: every failure is one {@link
 * dev.graft.connectors.safetensors.CheckpointFormatException} naming the file, the tensor and what
 * was wrong. {@link dev.graft.connectors.safetensors.SafetensorsCheckpoint} opens and creates whole
 * checkpoints, sharded or not.
 */
package dev.graft.connectors.safetensors;
