/**
 * Detectors on the step axis: decide, from a stream of metric values for one (run, generation,
 * metric), when a model has stopped improving.
 *
 * <p>{@link dev.graft.growth.detect.PlateauDetector} applies a {@link
 * dev.graft.growth.detect.PlateauRule} with the exact semantics of PyTorch's {@code
 * ReduceLROnPlateau} (mode, threshold, threshold mode, patience, cooldown), so a rule users already
 * tune in their trainers fires at the same evaluation here. The one difference: NaN and infinite
 * values are skipped, because divergence is a separate signal and never a reason to grow.
 *
 * <p>Everything here is pure Java with no Flink, Kafka or ND4J dependency: detectors are immutable,
 * state is an immutable record passed in and returned ({@link
 * dev.graft.growth.detect.PlateauState}), and time is the step number the caller supplies. A stream
 * job keeps the state per key and does the ordering, de-duplication and generation bookkeeping.
 *
 * <p>Expected behaviour is pinned by golden files computed by an independent Python transcription
 * of PyTorch's algorithm ({@code growth/src/test/python/plateau_reference.py}) over real training
 * curves.
 */
package dev.graft.growth.detect;
