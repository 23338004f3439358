package dev.graft.growth.policy;

import dev.graft.growth.arch.ArchSpec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The sizes a run may take: from its current architecture, the next one up by factors (LEMON's
 * experiments double width and depth) or the next entry of an explicit list, up to a maximum number
 * of parameters; and down the same way for shrinking.
 *
 * <pre>{@code
 * GrowthLadder ladder = GrowthLadder.byFactors(2, 2, 1_500_000_000L);
 * ladder.next(gpt2Small);                        // hidden 1536, 24 layers, 24 heads
 * ladder.largestFitting(gpt2Large, budget);      // the biggest size down the ladder within budget
 * GrowthLadder sizes = GrowthLadder.of(List.of(new Rung(768, 12), new Rung(1024, 24)), null);
 * }</pre>
 *
 * @param widthFactor factor on the width per rung, {@code >= 1} (factor ladder)
 * @param depthFactor factor on the depth per rung, {@code >= 1} (factor ladder)
 * @param rungs explicit (width, depth) sizes, ascending; empty for a factor ladder
 * @param maxParameters no rung above this many parameters; null for no maximum
 */
public record GrowthLadder(
        double widthFactor, double depthFactor, List<Rung> rungs, Long maxParameters)
        implements java.io.Serializable {

    /** The most rungs a factor ladder walks down when shrinking. */
    private static final int MAX_STEPS_DOWN = 64;

    /**
     * One size of an explicit ladder.
     *
     * @param hiddenSize the model width
     * @param numLayers the depth
     */
    public record Rung(int hiddenSize, int numLayers) implements java.io.Serializable {
        /** Checks both are positive. */
        public Rung {
            if (hiddenSize <= 0 || numLayers <= 0) {
                throw new IllegalArgumentException(
                        "ladder rung needs hidden_size > 0 and num_layers > 0, found "
                                + hiddenSize
                                + "x"
                                + numLayers);
            }
        }

        /**
         * Parses {@code HIDDENxLAYERS}, e.g. {@code 1024x24}.
         *
         * @throws IllegalArgumentException naming the text found
         */
        public static Rung parse(String text) {
            String[] parts = text.strip().toLowerCase(java.util.Locale.ROOT).split("x");
            try {
                if (parts.length == 2) {
                    return new Rung(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(
                    "ladder rung must be HIDDENxLAYERS such as 1024x24, found '" + text + "'");
        }

        @Override
        public String toString() {
            return hiddenSize + "x" + numLayers;
        }
    }

    /** Validates the ladder. */
    public GrowthLadder {
        rungs = List.copyOf(rungs);
        if (rungs.isEmpty()
                && (!(widthFactor >= 1) || !(depthFactor >= 1) || widthFactor * depthFactor <= 1)) {
            throw new IllegalArgumentException(
                    "ladder factors must be >= 1 and grow something, found width factor "
                            + widthFactor
                            + " and depth factor "
                            + depthFactor);
        }
        for (int i = 1; i < rungs.size(); i++) {
            Rung a = rungs.get(i - 1);
            Rung b = rungs.get(i);
            if (b.hiddenSize() < a.hiddenSize() || b.numLayers() < a.numLayers() || b.equals(a)) {
                throw new IllegalArgumentException(
                        "ladder rungs must grow in width or depth and shrink in neither, found "
                                + a
                                + " before "
                                + b);
            }
        }
        if (maxParameters != null && maxParameters <= 0) {
            throw new IllegalArgumentException(
                    "ladder maximum parameters must be positive or absent, found " + maxParameters);
        }
    }

    /** A ladder by factors. */
    public static GrowthLadder byFactors(
            double widthFactor, double depthFactor, Long maxParameters) {
        return new GrowthLadder(widthFactor, depthFactor, List.of(), maxParameters);
    }

    /** A ladder of explicit sizes. */
    public static GrowthLadder of(List<Rung> rungs, Long maxParameters) {
        if (rungs.isEmpty()) {
            throw new IllegalArgumentException("an explicit ladder needs at least one rung");
        }
        return new GrowthLadder(1, 1, rungs, maxParameters);
    }

    /** Whether this is an explicit list of sizes. */
    public boolean isExplicit() {
        return !rungs.isEmpty();
    }

    /** The next size up from {@code arch}; empty at the top (or above {@link #maxParameters}). */
    public Optional<ArchSpec> next(ArchSpec arch) {
        Objects.requireNonNull(arch, "arch");
        ArchSpec next;
        if (isExplicit()) {
            next =
                    rungs.stream()
                            .filter(
                                    r ->
                                            r.hiddenSize() >= arch.hiddenSize()
                                                    && r.numLayers() >= arch.numLayers()
                                                    && (r.hiddenSize() > arch.hiddenSize()
                                                            || r.numLayers() > arch.numLayers()))
                            .findFirst()
                            .map(r -> at(arch, r))
                            .orElse(null);
        } else {
            next = Ladders.scaled(arch, widthFactor, depthFactor);
        }
        if (next == null || (maxParameters != null && params(next) > maxParameters)) {
            return Optional.empty();
        }
        return Optional.of(next);
    }

    /** The sizes below {@code arch}, largest first. */
    public List<ArchSpec> below(ArchSpec arch) {
        List<ArchSpec> out = new ArrayList<>();
        long current = params(arch);
        if (isExplicit()) {
            for (Rung r : rungs) {
                ArchSpec a = at(arch, r);
                if (a != null && params(a) < current) {
                    out.add(a);
                }
            }
            out.sort(Comparator.comparingLong(GrowthLadder::params).reversed());
            return out;
        }
        ArchSpec a = arch;
        for (int i = 0; i < MAX_STEPS_DOWN; i++) {
            a = Ladders.scaled(a, 1 / widthFactor, 1 / depthFactor);
            if (a == null || params(a) >= current) {
                break;
            }
            out.add(a);
            current = params(a);
        }
        return out;
    }

    /**
     * The largest size at or below {@code arch} that {@code budget} allows: {@code arch} itself if
     * it fits, else the largest rung below it that does; empty when none does.
     */
    public Optional<ArchSpec> largestFitting(ArchSpec arch, Budget budget) {
        if (budget.allows(Footprint.of(arch))) {
            return Optional.of(arch);
        }
        return below(arch).stream().filter(a -> budget.allows(Footprint.of(a))).findFirst();
    }

    private static ArchSpec at(ArchSpec arch, Rung r) {
        ArchSpec wide = Ladders.withWidth(arch, r.hiddenSize());
        return wide == null ? null : Ladders.withDepth(wide, r.numLayers());
    }

    private static long params(ArchSpec a) {
        return Footprint.of(a).parameters();
    }
}
