package dev.graft.growth.ops;

import dev.graft.growth.tensor.TensorInfo;

import java.util.Objects;

/**
 * One target tensor of a plan: its name, dtype and shape, the source tensor it is computed from
 * (null when no source values are read), and the rule.
 *
 * <p>{@code describe()} prints a line of {@code --dry-run}: {@code h.0.mlp.c_fc.weight [64, 256] ←
 * h.0.mlp.c_fc.weight [32, 128]: hidden 32→64 (2 copies) in × ffn 128→256 (2 copies); fan-in
 * ÷copies}.
 */
public record TensorMapping(TensorInfo target, TensorInfo source, TensorRule rule) {

    public TensorMapping {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(rule, "rule");
        if (rule.readsSource() && source == null) {
            throw new IllegalArgumentException(
                    "tensor '" + target.name() + "': rule " + rule.describe() + " needs a source");
        }
        if (rule instanceof Remap r) {
            if (r.targetElements() != target.elementCount()) {
                throw new IllegalStateException(
                        "tensor '"
                                + target.name()
                                + "' "
                                + target.shapeString()
                                + ": rule "
                                + r.describe()
                                + " makes "
                                + r.targetElements()
                                + " elements");
            }
            if (r.sourceElements() != source.elementCount()) {
                throw new IllegalStateException(
                        "tensor '"
                                + target.name()
                                + "' reads '"
                                + source.name()
                                + "' "
                                + source.shapeString()
                                + " but rule "
                                + r.describe()
                                + " expects "
                                + r.sourceElements()
                                + " elements");
            }
        } else if (rule instanceof TensorRule.Copy && !target.hasShape(source.shape())) {
            throw new IllegalStateException(
                    "tensor '"
                            + target.name()
                            + "' "
                            + target.shapeString()
                            + " cannot be a copy of '"
                            + source.name()
                            + "' "
                            + source.shapeString());
        }
    }

    /** The plan line: target, source and rule. */
    public String describe() {
        return target.name()
                + " "
                + target.shapeString()
                + (source == null ? "" : " ← " + source.name() + " " + source.shapeString())
                + ": "
                + rule.describe();
    }
}
