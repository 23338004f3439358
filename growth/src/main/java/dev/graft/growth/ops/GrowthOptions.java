package dev.graft.growth.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of a growth, each with a default; all recorded in the grown checkpoint's manifest
 * ({@link #toMap()}), the seed included, so a growth can be repeated bit for bit.
 *
 * @param seed seeds every random choice (LEMON's splits, residue columns, cancelling blocks,
 *     HyperCloning's noise, copy-and-pad's small values)
 * @param tiedHead how a tied input/output embedding stays exact when the width grows
 * @param splitSpread LEMON: copy {@code k} of a neuron gets {@code (1 + spread·(u_k − ū))/m} of its
 *     fan-out weight, {@code u ~ U(−1, 1)}; 0 gives equal splits
 * @param residueStd LEMON: std of the input columns that read a new (always zero) channel
 * @param cancelStd LEMON: std of the cancelling output weights of new blocks
 * @param cloneNoise HyperCloning: std of the paired ±noise, relative to the tensor's RMS; 0 = none
 * @param padInit copy and pad: zeros or small normal values in new rows and columns
 * @param padStd copy and pad: std of the small values
 * @param optimizerState what happens to {@code optimizer.safetensors}
 * @param schedule overrides of the recommended continuation schedule ({@code max_lr_factor=1,…})
 */
public record GrowthOptions(
        long seed,
        TiedHead tiedHead,
        double splitSpread,
        double residueStd,
        double cancelStd,
        double cloneNoise,
        PadInit padInit,
        double padStd,
        OptimizerStateMode optimizerState,
        Map<String, String> schedule) {

    /** Tied embeddings under width growth (OPERATORS.md §1.6). */
    public enum TiedHead {
        /** Keep the head tied and divide the final norm's gain and bias by the copy count. */
        SCALE_FINAL_NORM,
        /**
         * Write an explicit {@code lm_head.weight} (fan-in split) and set tie_word_embeddings
         * false.
         */
        UNTIE
    }

    /** What copy-and-pad writes into new rows and columns. */
    public enum PadInit {
        ZEROS,
        SMALL
    }

    /** What happens to the Adam moments beside the model. */
    public enum OptimizerStateMode {
        /** Do not carry them: the trainer starts a fresh optimizer (the default; see docs). */
        RESET,
        /** Map them with the weights' index maps: copied where weights are copied or split. */
        MAP
    }

    public GrowthOptions {
        Objects.requireNonNull(tiedHead, "tiedHead");
        Objects.requireNonNull(padInit, "padInit");
        Objects.requireNonNull(optimizerState, "optimizerState");
        schedule = Map.copyOf(schedule == null ? Map.of() : schedule);
        check("split_spread", splitSpread, 0, 0.999);
        check("residue_std", residueStd, 0, 10);
        check("cancel_std", cancelStd, 0, 10);
        check("clone_noise", cloneNoise, 0, 10);
        check("pad_std", padStd, 0, 10);
    }

    /** Seed 0, tied heads kept tied, spread 0.5, stds 0.02, no clone noise, zero padding, reset. */
    public static GrowthOptions defaults() {
        return new GrowthOptions(
                0,
                TiedHead.SCALE_FINAL_NORM,
                0.5,
                0.02,
                0.02,
                0,
                PadInit.ZEROS,
                0.02,
                OptimizerStateMode.RESET,
                Map.of());
    }

    public GrowthOptions withSeed(long s) {
        return new GrowthOptions(
                s,
                tiedHead,
                splitSpread,
                residueStd,
                cancelStd,
                cloneNoise,
                padInit,
                padStd,
                optimizerState,
                schedule);
    }

    public GrowthOptions withTiedHead(TiedHead t) {
        return new GrowthOptions(
                seed,
                t,
                splitSpread,
                residueStd,
                cancelStd,
                cloneNoise,
                padInit,
                padStd,
                optimizerState,
                schedule);
    }

    public GrowthOptions withSplitSpread(double s) {
        return new GrowthOptions(
                seed,
                tiedHead,
                s,
                residueStd,
                cancelStd,
                cloneNoise,
                padInit,
                padStd,
                optimizerState,
                schedule);
    }

    public GrowthOptions withCloneNoise(double n) {
        return new GrowthOptions(
                seed,
                tiedHead,
                splitSpread,
                residueStd,
                cancelStd,
                n,
                padInit,
                padStd,
                optimizerState,
                schedule);
    }

    public GrowthOptions withPad(PadInit init, double std) {
        return new GrowthOptions(
                seed,
                tiedHead,
                splitSpread,
                residueStd,
                cancelStd,
                cloneNoise,
                init,
                std,
                optimizerState,
                schedule);
    }

    public GrowthOptions withOptimizerState(OptimizerStateMode mode) {
        return new GrowthOptions(
                seed,
                tiedHead,
                splitSpread,
                residueStd,
                cancelStd,
                cloneNoise,
                padInit,
                padStd,
                mode,
                schedule);
    }

    public GrowthOptions withSchedule(Map<String, String> overrides) {
        return new GrowthOptions(
                seed,
                tiedHead,
                splitSpread,
                residueStd,
                cancelStd,
                cloneNoise,
                padInit,
                padStd,
                optimizerState,
                overrides);
    }

    /** The options as manifest strings (operator options), sorted keys. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("seed", Long.toString(seed));
        m.put("tied_head", tiedHead.name().toLowerCase(java.util.Locale.ROOT));
        m.put("split_spread", Double.toString(splitSpread));
        m.put("residue_std", Double.toString(residueStd));
        m.put("cancel_std", Double.toString(cancelStd));
        m.put("clone_noise", Double.toString(cloneNoise));
        m.put("pad_init", padInit.name().toLowerCase(java.util.Locale.ROOT));
        m.put("pad_std", Double.toString(padStd));
        m.put("optimizer_state", optimizerState.name().toLowerCase(java.util.Locale.ROOT));
        return m;
    }

    private static void check(String key, double v, double min, double max) {
        if (!(v >= min && v <= max)) {
            throw new IllegalArgumentException(
                    "growth option " + key + " is " + v + "; expected " + min + " to " + max);
        }
    }
}
