package dev.graft.growth.detect;

import java.util.Objects;

/**
 * What a {@link SmoothedPlateauDetector} remembers: the smoother's state and the PyTorch plateau
 * state of the smoothed values.
 *
 * @param smoothing the smoother's state
 * @param plateau the {@link PlateauDetector} state over the smoothed values
 */
public record SmoothedPlateauState(SmoothingState smoothing, PlateauState plateau) {

    /** Checks that nothing is null. */
    public SmoothedPlateauState {
        Objects.requireNonNull(smoothing, "smoothing");
        Objects.requireNonNull(plateau, "plateau");
    }
}
