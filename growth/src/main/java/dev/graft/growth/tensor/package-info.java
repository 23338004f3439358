/**
 * Named tensors as Graft moves them between checkpoints and operators: the dtypes of the
 * safetensors format ({@link dev.graft.growth.tensor.DType}), a tensor's name, dtype and shape
 * ({@link dev.graft.growth.tensor.TensorInfo}), where tensors come from ({@link
 * dev.graft.growth.tensor.TensorSource}) and go to ({@link dev.graft.growth.tensor.TensorSink}),
 * and the F16/BF16 ⇄ F32 conversions ({@link dev.graft.growth.tensor.FloatCodec}).
 *
 * <p>Computation is in F32; storage keeps the source dtype unless told otherwise. Nothing here
 * knows about files: the safetensors reader and writer live in {@code dev.graft.connectors}.
 */
package dev.graft.growth.tensor;
