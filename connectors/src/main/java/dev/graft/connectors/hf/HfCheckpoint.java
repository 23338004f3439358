package dev.graft.connectors.hf;

import dev.graft.connectors.safetensors.CheckpointFormatException;
import dev.graft.connectors.safetensors.SafetensorsCheckpoint;
import dev.graft.connectors.safetensors.SafetensorsSource;
import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.LayoutCheck;
import dev.graft.growth.arch.TensorLayout;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face checkpoint directory opened for reading: its {@code config.json} as an
 * architecture, its tensors, and how they match the family's tensor names.
 *
 * <pre>{@code
 * try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
 *     ckpt.requireComplete();
 *     float[] wte = ckpt.tensors().readFloats("wte.weight");
 * }
 * }</pre>
 */
public final class HfCheckpoint implements AutoCloseable {

    private final Path dir;
    private final ObjectNode config;
    private final ArchSpec arch;
    private final SafetensorsSource tensors;
    private final LayoutCheck layout;

    private HfCheckpoint(
            Path dir,
            ObjectNode config,
            ArchSpec arch,
            SafetensorsSource tensors,
            LayoutCheck layout) {
        this.dir = dir;
        this.config = config;
        this.arch = arch;
        this.tensors = tensors;
        this.layout = layout;
    }

    /** Opens {@code dir}: reads {@code config.json}, opens the safetensors, matches the names. */
    public static HfCheckpoint open(Path dir) throws IOException {
        Path configFile = dir.resolve(HfConfig.FILE_NAME);
        if (!Files.isRegularFile(configFile)) {
            throw new CheckpointFormatException(
                    dir.toString(),
                    null,
                    "no "
                            + HfConfig.FILE_NAME
                            + "; a checkpoint directory needs one to name its architecture");
        }
        ObjectNode config = HfConfig.readTree(configFile);
        ArchSpec arch = HfConfig.fromJson(config, configFile.toString());
        SafetensorsSource tensors = SafetensorsCheckpoint.open(dir);
        LayoutCheck layout = TensorLayout.check(arch, tensors.tensors());
        // The storage dtype is what the tensors hold; config's torch_dtype may be stale.
        return new HfCheckpoint(dir, config, arch, tensors, layout);
    }

    /**
     * Fails unless every tensor the architecture needs is present with its shape.
     *
     * @throws CheckpointFormatException listing every missing tensor and wrong shape
     */
    public HfCheckpoint requireComplete() throws CheckpointFormatException {
        if (!layout.isComplete()) {
            throw new CheckpointFormatException(
                    dir.toString(),
                    null,
                    arch.family().modelType()
                            + " checkpoint does not match its config.json: "
                            + layout.problems());
        }
        return this;
    }

    public Path dir() {
        return dir;
    }

    /** The config as read (for carrying settings Graft does not model over to a new config). */
    public ObjectNode config() {
        return config.deepCopy();
    }

    public ArchSpec arch() {
        return arch;
    }

    public SafetensorsSource tensors() {
        return tensors;
    }

    public LayoutCheck layout() {
        return layout;
    }

    @Override
    public void close() throws IOException {
        tensors.close();
    }
}
