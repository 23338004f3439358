/**
 * Detectors on the step axis: decide, from a stream of metric values for one (run, generation,
 * metric), when a model has stopped improving, and when its training has diverged.
 *
 * <ul>
 *   <li>{@link dev.graft.growth.detect.PlateauDetector} applies a {@link
 *       dev.graft.growth.detect.PlateauRule} with the exact semantics of PyTorch's {@code
 *       ReduceLROnPlateau} (mode, threshold, threshold mode, patience, cooldown), so a rule users
 *       already tune in their trainers fires at the same evaluation here.
 *   <li>{@link dev.graft.growth.detect.SmoothedPlateauDetector} applies the same rule to a {@link
 *       dev.graft.growth.detect.Smoothing smoothed} metric: TensorBoard's debiased EMA or a window
 *       median.
 *   <li>{@link dev.graft.growth.detect.TrendDetector} fits a least-squares line to the smoothed
 *       metric over a window of steps and fires when it projects too little relative improvement
 *       over a horizon of steps.
 *   <li>{@link dev.graft.growth.detect.DivergenceDetector} reports NaN, infinities and spikes as
 *       {@link dev.graft.growth.detect.SignalKind#DIVERGENCE}, never a growth; the plateau and
 *       trend detectors skip non-finite values.
 *   <li>{@link dev.graft.growth.detect.DetectionGate} holds growth signals back during warm-up (in
 *       steps and wall time), in a young generation, and in the cooldown after an action.
 *   <li>{@link dev.graft.growth.detect.CurveScan} replays a whole logged curve offline (what {@code
 *       graft detect} runs).
 * </ul>
 *
 * <p>The new detectors share {@link dev.graft.growth.detect.SignalDetector}: each firing is a
 * {@link dev.graft.growth.detect.Signal} with its {@link dev.graft.growth.detect.SignalKind} and
 * {@link dev.graft.growth.detect.Evidence}.
 *
 * <pre>{@code
 * SignalDetector<TrendState> trend = new TrendDetector(
 *         new TrendRule("loss", Mode.MIN, Smoothing.ema(0.9), 50, 1000, 0.01, 10, 10));
 * TrendState state = trend.initialState();
 * SignalEvaluation<TrendState> e = trend.evaluate(state, step, loss);
 * state = e.state();
 * e.signal().ifPresent(signal -> decide(signal));   // kind TREND, evidence.slope() per step
 * }</pre>
 *
 * <p>Everything here is pure Java with no Flink, Kafka or ND4J dependency: detectors are immutable,
 * state is an immutable record of primitives and primitive arrays passed in and returned, and time
 * is the step number (and, for the gate's warm-up, the wall time) the caller supplies. A stream job
 * keeps the state per key and does the ordering, de-duplication and generation bookkeeping.
 *
 * <p>Expected behaviour is pinned by golden files computed by independent Python references over
 * real training curves: {@code growth/src/test/python/plateau_reference.py} (a transcription of
 * PyTorch's algorithm) and {@code smoothing_reference.py} (EMA, median, slope, trend, divergence;
 * checked against numpy).
 */
package dev.graft.growth.detect;
