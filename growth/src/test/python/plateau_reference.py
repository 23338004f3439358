#!/usr/bin/env python3
"""Independent reference for dev.graft.growth.detect.PlateauDetector.

Replays every curve named in src/test/resources/detect/plateau_configs.csv through a
line-by-line transcription of PyTorch's ReduceLROnPlateau and writes the steps at which
it reduces the learning rate ("fires") to src/test/resources/detect/plateau_golden.csv.
PlateauDetectorGoldenTest asserts that the Java detector fires at exactly those steps.

Source transcribed: torch/optim/lr_scheduler.py, class ReduceLROnPlateau, methods
__init__, _reset, step, in_cooldown, _is_better and _init_is_better (pytorch/pytorch,
main branch; the algorithm has been unchanged since cooldown was added in 2017). Only
the learning-rate arithmetic (_reduce_lr, factor, min_lr, eps) is left out: the
detector reports *that* torch would call _reduce_lr, not what the new rate would be.

One deliberate difference, applied in replay() and NOT in the transcription: a NaN or
+/-Inf value is skipped before it reaches step(), because in Graft divergence is its own
signal and must never look like a plateau. Torch itself would count NaN as a bad epoch
(every comparison with NaN is False) and would take -Inf as a new best in min mode.

Standard library only; no torch, no numpy. Python floats are IEEE 754 doubles, as are
Java's, and float() / Double.parseDouble both round correctly, so the comparisons below
produce the same booleans as the Java code for the same decimal inputs.

Usage (from the repository root, or anywhere):
    python3 growth/src/test/python/plateau_reference.py          # rewrite the golden file
    python3 growth/src/test/python/plateau_reference.py --check  # fail if it would change
"""

import argparse
import csv
import io
import math
import sys
from pathlib import Path

inf = math.inf  # torch: `from torch import inf`

GOLDEN_FORMAT = 1
GOLDEN_COLUMNS = [
    "curve",
    "metric",
    "mode",
    "threshold",
    "threshold_mode",
    "patience",
    "cooldown",
    "firing_steps",
]

HERE = Path(__file__).resolve().parent
RESOURCES = HERE.parent / "resources"
CURVES = RESOURCES / "curves"
CONFIGS = RESOURCES / "detect" / "plateau_configs.csv"
GOLDEN = RESOURCES / "detect" / "plateau_golden.csv"


class TorchReduceLROnPlateau:
    """torch.optim.lr_scheduler.ReduceLROnPlateau without the optimizer.

    Attribute and method names are torch's so the two can be read side by side.
    step() returns True where torch calls self._reduce_lr(epoch).
    """

    def __init__(self, mode="min", patience=10, threshold=1e-4, threshold_mode="rel", cooldown=0):
        self.patience = patience
        self.cooldown = cooldown
        self.last_epoch = 0
        self._init_is_better(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._reset()

    def _reset(self):
        """Reset num_bad_epochs counter and cooldown counter."""
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics):
        # convert `metrics` to float, in case it's a zero-dim Tensor
        current = float(metrics)
        epoch = self.last_epoch + 1
        self.last_epoch = epoch

        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1

        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # ignore any bad epochs in cooldown

        reduced = False
        if self.num_bad_epochs > self.patience:
            reduced = True  # torch: self._reduce_lr(epoch)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        return reduced

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _is_better(self, a, best):
        if self.mode == "min" and self.threshold_mode == "rel":
            rel_epsilon = 1.0 - self.threshold
            return a < best * rel_epsilon

        elif self.mode == "min" and self.threshold_mode == "abs":
            return a < best - self.threshold

        elif self.mode == "max" and self.threshold_mode == "rel":
            rel_epsilon = self.threshold + 1.0
            return a > best * rel_epsilon

        else:  # mode == 'max' and epsilon_mode == 'abs':
            return a > best + self.threshold

    def _init_is_better(self, mode, threshold, threshold_mode):
        if mode not in {"min", "max"}:
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in {"rel", "abs"}:
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")

        # the worse value for the chosen mode
        if mode == "min":
            self.mode_worse = inf
        else:  # mode == 'max':
            self.mode_worse = -inf

        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode


def self_test():
    """The example in torch's docstring: with patience=2 the first 2 epochs with no
    improvement are ignored and the LR drops after the 3rd (a check on the
    transcription, independent of any curve file)."""
    s = TorchReduceLROnPlateau(mode="min", patience=2)
    fired = [s.step(v) for v in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]
    assert fired == [False, False, False, True, False, False, True], fired
    # patience=0 (torch's current docstring): the first epoch sets the baseline, the
    # second, if worse, is intolerable and reduces at once.
    s = TorchReduceLROnPlateau(mode="min", patience=0)
    assert [s.step(v) for v in [1.0, 2.0, 0.5, 0.5]] == [False, True, False, True]
    # cooldown=2: the two evaluations after a reduction are not counted.
    s = TorchReduceLROnPlateau(mode="min", patience=0, cooldown=2)
    assert [s.step(v) for v in [1.0, 1.0, 1.0, 1.0, 1.0]] == [False, True, False, False, True]
    # NaN is a bad epoch for torch (Graft skips it instead, see replay()).
    s = TorchReduceLROnPlateau(mode="min", patience=0)
    assert [s.step(v) for v in [1.0, math.nan]] == [False, True]


def read_curve(name):
    """(step, value) pairs of a `step,<name>` CSV, in file order, values as logged."""
    with open(CURVES / name, newline="") as f:
        rows = list(csv.reader(f))
    if len(rows[0]) != 2 or rows[0][0] != "step":
        raise ValueError(f"{name}: expected header step,<metric>, found {rows[0]}")
    return [(int(step), float(value)) for step, value in rows[1:]]


def metric_values(points, metric):
    if metric == "loss":
        return points
    if metric == "neg_loss":
        return [(step, -value) for step, value in points]
    raise ValueError(f"unknown metric {metric!r}: expected loss or neg_loss")


def replay(points, mode, threshold, threshold_mode, patience, cooldown):
    scheduler = TorchReduceLROnPlateau(
        mode=mode,
        patience=patience,
        threshold=threshold,
        threshold_mode=threshold_mode,
        cooldown=cooldown,
    )
    firing_steps = []
    for step, value in points:
        if not math.isfinite(value):
            continue  # Graft's one difference from torch: divergence is not a plateau
        if scheduler.step(value):
            firing_steps.append(step)
    return firing_steps


def all_curves():
    return sorted(
        str(p.relative_to(CURVES)) for p in CURVES.rglob("*.csv")
    )


def read_configs():
    with open(CONFIGS, newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines))


def golden_text():
    out = io.StringIO()
    out.write(f"# format: {GOLDEN_FORMAT}\n")
    out.write("# Written by growth/src/test/python/plateau_reference.py from plateau_configs.csv;\n")
    out.write("# do not edit. firing_steps: the steps at which PyTorch ReduceLROnPlateau reduces\n")
    out.write("# the learning rate, separated by spaces (empty: never), non-finite values skipped.\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(GOLDEN_COLUMNS)
    for config in read_configs():
        names = all_curves() if config["curve"] == "*" else [config["curve"]]
        for name in names:
            points = metric_values(read_curve(name), config["metric"])
            steps = replay(
                points,
                mode=config["mode"],
                threshold=float(config["threshold"]),
                threshold_mode=config["threshold_mode"],
                patience=int(config["patience"]),
                cooldown=int(config["cooldown"]),
            )
            writer.writerow(
                [
                    name,
                    config["metric"],
                    config["mode"],
                    config["threshold"],
                    config["threshold_mode"],
                    config["patience"],
                    config["cooldown"],
                    " ".join(str(s) for s in steps),
                ]
            )
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the golden file is stale")
    args = parser.parse_args()
    self_test()
    text = golden_text()
    if args.check:
        if GOLDEN.read_text() != text:
            sys.exit(f"{GOLDEN} is stale: run {Path(__file__).name} without --check")
        print(f"{GOLDEN} is up to date")
        return
    GOLDEN.write_text(text)
    print(f"wrote {GOLDEN} ({text.count(chr(10)) - 5} rows)")


if __name__ == "__main__":
    main()
