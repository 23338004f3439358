package dev.graft.growth.arch;

import java.util.ArrayList;
import java.util.List;

/**
 * How a checkpoint's tensors compare with what its architecture expects.
 *
 * @param variant the naming variant the names were matched against
 * @param missing required tensors the checkpoint lacks
 * @param wrongShapes tensors present with the wrong shape: {@code name: expected [..], found [..]}
 * @param unexpected tensors the family does not define (kept, but not transformed)
 * @param ignoredBuffers known non-parameter buffers (causal masks, rotary frequencies)
 * @param parameterCount parameters of the tensors present, tied tensors counted once
 */
public record LayoutCheck(
        LayoutVariant variant,
        List<String> missing,
        List<String> wrongShapes,
        List<String> unexpected,
        List<String> ignoredBuffers,
        long parameterCount) {

    public LayoutCheck {
        missing = List.copyOf(missing);
        wrongShapes = List.copyOf(wrongShapes);
        unexpected = List.copyOf(unexpected);
        ignoredBuffers = List.copyOf(ignoredBuffers);
    }

    /** Whether every required tensor is present with its expected shape. */
    public boolean isComplete() {
        return missing.isEmpty() && wrongShapes.isEmpty();
    }

    /**
     * One line describing what is wrong, listing every missing tensor and wrong shape (empty when
     * complete).
     */
    public String problems() {
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add(missing.size() + " missing tensor(s): " + String.join(", ", missing));
        }
        if (!wrongShapes.isEmpty()) {
            parts.add(
                    wrongShapes.size()
                            + " tensor(s) with the wrong shape: "
                            + String.join("; ", wrongShapes));
        }
        return String.join("; ", parts);
    }
}
