/**
 * The checkpoint store: immutable checkpoint directories {@code <root>/<run>/<generation>-<short
 * hash>/} on Flink's {@link org.apache.flink.core.fs.FileSystem} (file:// here; s3:// and hdfs://
 * through Flink's plugins), each holding {@code config.json}, the safetensors file(s) and the
 * manifest {@code graft.json} ({@link dev.graft.connectors.store.Manifest}).
 *
 * <p>Publishing is atomic ({@link dev.graft.connectors.store.CheckpointStore#publish}): files are
 * written into a staging directory, their hashes verified, and the directory renamed into place. A
 * directory without a valid manifest is never served, and publishing the same decision twice
 * returns the first checkpoint.
 */
package dev.graft.connectors.store;
