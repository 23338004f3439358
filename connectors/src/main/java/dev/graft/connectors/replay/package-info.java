/**
 * Readers that turn training logs into Graft's curves for replay and offline detection: {@link
 * dev.graft.connectors.replay.StepCsv} ({@code step,value} CSV), {@link
 * dev.graft.connectors.replay.TrainerStateJson} (Hugging Face {@code trainer_state.json}), {@link
 * dev.graft.connectors.replay.TextLog} (plain-text logs, a documented set of line formats), and
 * {@link dev.graft.connectors.replay.CurveFiles}, which picks one by the file's name.
 *
 * <pre>{@code
 * StepCsv.Curve curve = CurveFiles.read(Path.of("train.log"), "loss");
 * }</pre>
 */
package dev.graft.connectors.replay;
