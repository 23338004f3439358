package dev.graft.connectors.hf;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.arch.Family;
import dev.graft.growth.arch.Norm;
import dev.graft.growth.arch.NormPlacement;
import dev.graft.growth.arch.TensorLayout;
import dev.graft.growth.tensor.DType;

import java.util.Locale;

/**
 * The domain {@link ArchSpec} ⇄ the Avro contract {@link dev.graft.schema.ArchSpec} that travels on
 * Kafka and in manifests. The contract's {@code parameter_count} is derived on the way out ({@link
 * TensorLayout#parameterCount(ArchSpec)}) and checked on the way in.
 */
public final class ArchSpecs {

    private ArchSpecs() {}

    /** The contract form, with the parameter count of the Hub layout. */
    public static dev.graft.schema.ArchSpec toAvro(ArchSpec a) {
        return toAvro(a, TensorLayout.parameterCount(a));
    }

    /**
     * The contract form with a given parameter count (e.g. counted from a checkpoint's tensors).
     */
    public static dev.graft.schema.ArchSpec toAvro(ArchSpec a, long parameterCount) {
        return dev.graft.schema.ArchSpec.newBuilder()
                .setFamily(a.family().modelType())
                .setVocabSize(a.vocabSize())
                .setHiddenSize(a.hiddenSize())
                .setNumLayers(a.numLayers())
                .setNumHeads(a.numHeads())
                .setNumKvHeads(a.numKvHeads())
                .setHeadDim(a.headDim())
                .setIntermediateSize(a.intermediateSize())
                .setMaxPositions(a.maxPositions())
                .setNorm(a.norm().name().toLowerCase(Locale.ROOT))
                .setNormEps(a.normEps())
                .setNormPlacement(a.normPlacement().name().toLowerCase(Locale.ROOT))
                .setActivation(a.activation())
                .setTieWordEmbeddings(a.tieWordEmbeddings())
                .setNumLayerGroups(a.numLayerGroups())
                .setRopeTheta(a.ropeTheta())
                .setParameterCount(parameterCount)
                .setDtype(a.dtype().name())
                .setExtra(a.sortedExtra())
                .build();
    }

    /**
     * The domain form of a contract record.
     *
     * @throws IllegalArgumentException naming the field when a value is not one Graft knows
     */
    public static ArchSpec fromAvro(dev.graft.schema.ArchSpec a) {
        Family family =
                Family.fromModelType(a.getFamily())
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "ArchSpec.family is '"
                                                        + a.getFamily()
                                                        + "'; expected one of "
                                                        + Family.knownModelTypes()));
        return new ArchSpec(
                family,
                a.getVocabSize(),
                a.getHiddenSize(),
                a.getNumLayers(),
                a.getNumHeads(),
                a.getNumKvHeads(),
                a.getHeadDim(),
                a.getIntermediateSize(),
                a.getMaxPositions(),
                enumValue(Norm.class, "norm", a.getNorm()),
                a.getNormEps(),
                enumValue(NormPlacement.class, "norm_placement", a.getNormPlacement()),
                a.getActivation(),
                a.getTieWordEmbeddings(),
                a.getNumLayerGroups(),
                a.getRopeTheta(),
                DType.parse(a.getDtype())
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "ArchSpec.dtype is '"
                                                        + a.getDtype()
                                                        + "'; expected F32, F16 or BF16")),
                a.getExtra());
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String field, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "ArchSpec."
                            + field
                            + " is '"
                            + value
                            + "'; expected one of "
                            + java.util.Arrays.toString(type.getEnumConstants())
                                    .toLowerCase(Locale.ROOT));
        }
    }
}
