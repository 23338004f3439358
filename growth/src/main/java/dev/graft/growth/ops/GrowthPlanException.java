package dev.graft.growth.ops;

/**
 * A growth that cannot be planned: the target is smaller than the source, heads do not divide the
 * width, the family and operator do not go together, a tensor is missing. The message says what was
 * asked, what was found and what would work.
 */
public final class GrowthPlanException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public GrowthPlanException(String message) {
        super(message);
    }
}
