package dev.graft.connectors.model;

import dev.graft.connectors.hf.HfCheckpoint;
import dev.graft.growth.model.ModelOutput;
import dev.graft.growth.model.TransformerModel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Graft's F32 forward pass against the float64 numpy reference written from the transformers
 * modeling code ({@code src/test/python/reference_models.py}): within 1e-5 of the largest output
 * magnitude, for hidden states and logits, on every family and naming variant.
 */
class ReferenceForwardGoldenTest {

    static final double TOLERANCE = 1e-5;

    static List<String> models() {
        return Goldens.NAMES;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void matchesTheNumpyReference(String name) throws Exception {
        Goldens golden = Goldens.read(Goldens.MODELS.resolve(name));
        try (HfCheckpoint ckpt = HfCheckpoint.open(Goldens.MODELS.resolve(name)).requireComplete();
                TransformerModel model = TransformerModel.of(ckpt.arch(), ckpt.tensors());
                ModelOutput out = model.forward(golden.input())) {
            assertThat(out.hiddenShape()).containsExactly(golden.hiddenShape());
            double hiddenError = Goldens.relativeError(out.hiddenStatesAsFloats(), golden.hidden());
            assertThat(model.hasHead()).isEqualTo(golden.logits() != null);
            double logitError =
                    golden.logits() == null
                            ? 0
                            : Goldens.relativeError(out.logitsAsFloats(), golden.logits());
            System.out.printf(
                    "%-32s hidden %.2e  logits %s%n",
                    name,
                    hiddenError,
                    golden.logits() == null ? "-" : String.format("%.2e", logitError));
            assertThat(hiddenError).as("hidden states relative error").isLessThan(TOLERANCE);
            assertThat(logitError).as("logits relative error").isLessThan(TOLERANCE);
        }
    }
}
