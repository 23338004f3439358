#!/usr/bin/env python3
"""Independent reference for the smoothing, trend and divergence detectors of
dev.graft.growth.detect (SmoothedPlateauDetector, TrendDetector, DivergenceDetector).

Writes two golden files that parametrized Java tests compare against:

  src/test/resources/detect/smoothing_golden.csv
      for every detector configuration in smoothing_configs.csv and every curve: the steps
      at which the detector fires, and the smoothed value (plus, for trends, the slope and
      projected improvement) at each firing.
  src/test/resources/detect/smoothing_values.csv
      for every point of every curve: the debiased EMA (0.9, 0.99), the window median (5, 25)
      and the least-squares slope of EMA(0.9) over the last 20 points.

The algorithms are written from their definitions (TensorBoard's debiased EMA, numpy's
median, ordinary least squares) and checked against numpy in self_test(); the plateau
counting is the PyTorch transcription in plateau_reference.py, imported from there.
Sums are taken in plain Python floats in window order (not numpy's pairwise sums) so that
the Java code, doing the same IEEE 754 operations in the same order, fires at exactly the
same steps; the Java tests still compare values with a 1e-9 relative tolerance.

Usage (from anywhere):
    python3 growth/src/test/python/smoothing_reference.py          # rewrite the golden files
    python3 growth/src/test/python/smoothing_reference.py --check  # fail if they would change
"""

import argparse
import csv
import io
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plateau_reference import CURVES, TorchReduceLROnPlateau, all_curves, metric_values, read_curve  # noqa: E402

GOLDEN_FORMAT = 1
HERE = Path(__file__).resolve().parent
DETECT = HERE.parent / "resources" / "detect"
CONFIGS = DETECT / "smoothing_configs.csv"
GOLDEN = DETECT / "smoothing_golden.csv"
VALUES = DETECT / "smoothing_values.csv"


# ---------------------------------------------------------------------------- smoothing

class Ema:
    """TensorBoard's smoothing (tensorboard PR#639): biased = a*biased + (1-a)*x from 0,
    debiased by 1 - a^n; a^n kept as a running product."""

    def __init__(self, weight):
        self.a = weight
        self.biased = 0.0
        self.power = 1.0
        self.value = math.nan

    def update(self, x):
        self.biased = self.a * self.biased + (1 - self.a) * x
        self.power = self.power * self.a
        self.value = self.biased / (1 - self.power)
        return self.value


class Median:
    """Median of the last `window` values, the newest included (numpy's even-count rule)."""

    def __init__(self, window):
        self.window = window
        self.recent = []
        self.value = math.nan

    def update(self, x):
        self.recent.append(x)
        if len(self.recent) > self.window:
            self.recent.pop(0)
        s = sorted(self.recent)
        n = len(s)
        self.value = s[n // 2] if n % 2 == 1 else (s[n // 2 - 1] + s[n // 2]) / 2
        return self.value


class NoSmoothing:
    def __init__(self):
        self.value = math.nan

    def update(self, x):
        self.value = x
        return x


def smoother(spec):
    if spec == "none":
        return NoSmoothing()
    kind, param = spec.split(":")
    if kind == "ema":
        return Ema(float(param))
    if kind == "median":
        return Median(int(param))
    raise ValueError(f"unknown smoothing {spec!r}")


def slope(xs, ys):
    """Ordinary least squares slope, sums in list order; nan when all x are equal."""
    n = len(xs)
    sum_x = 0.0
    sum_y = 0.0
    for x, y in zip(xs, ys):
        sum_x += float(x)
        sum_y += y
    mean_x = sum_x / n
    mean_y = sum_y / n
    sxy = 0.0
    sxx = 0.0
    for x, y in zip(xs, ys):
        dx = float(x) - mean_x
        sxy += dx * (y - mean_y)
        sxx += dx * dx
    return math.nan if sxx == 0 else sxy / sxx


# ---------------------------------------------------------------------------- detectors

def plateau(points, p):
    """ReduceLROnPlateau (the torch transcription) on the smoothed finite values."""
    torch = TorchReduceLROnPlateau(
        mode=p["mode"],
        patience=int(p["patience"]),
        threshold=float(p["threshold"]),
        threshold_mode=p["threshold_mode"],
        cooldown=int(p["cooldown"]),
    )
    sm = smoother(p["smoothing"])
    firings = []
    for step, value in points:
        if not math.isfinite(value):
            continue
        s = sm.update(value)
        if torch.step(s):
            firings.append((step, s, math.nan, math.nan))
    return firings


def trend(points, p):
    mode = p["mode"]
    window = int(p["window"])
    horizon = int(p["horizon"])
    threshold = float(p["threshold"])
    patience = int(p["patience"])
    cooldown = int(p["cooldown"])
    sm = smoother(p["smoothing"])
    xs, ys = [], []
    bad = 0
    cooldown_counter = 0
    firings = []
    for step, value in points:
        if not math.isfinite(value):
            continue
        s = sm.update(value)
        xs.append(step)
        ys.append(s)
        if len(xs) > window:
            xs.pop(0)
            ys.pop(0)
        is_bad = False
        b = improvement = math.nan
        if len(xs) == window:
            b = slope(xs, ys)
            if not math.isnan(b):
                projected = (-b if mode == "min" else b) * horizon
                scale = abs(s)
                if scale == 0:
                    improvement = math.inf if projected > 0 else (-math.inf if projected < 0 else 0.0)
                else:
                    improvement = projected / scale
                is_bad = improvement < threshold
        bad = bad + 1 if is_bad else 0
        if cooldown_counter > 0:
            cooldown_counter -= 1
            bad = 0
        if bad > patience:
            firings.append((step, s, b, improvement))
            cooldown_counter = cooldown
            bad = 0
    return firings


def divergence(points, p):
    spike = float(p["spike"])
    warmup = int(p["warmup"])
    cooldown = int(p["cooldown"])
    sm = smoother(p["smoothing"])
    count = 0
    cooldown_counter = 0
    firings = []
    for step, value in points:
        in_cooldown = cooldown_counter > 0
        if in_cooldown:
            cooldown_counter -= 1
        reference = sm.value
        diverged = False
        if not math.isfinite(value):
            diverged = True
        else:
            if count >= warmup and reference > 0 and value > spike * reference:
                diverged = True
            sm.update(value)
            count += 1
        if diverged and not in_cooldown:
            firings.append((step, reference, math.nan, math.nan))
            cooldown_counter = cooldown
    return firings


DETECTORS = {"plateau": plateau, "trend": trend, "divergence": divergence}


# ---------------------------------------------------------------------------- self test

def self_test():
    rng = np.random.default_rng(7)
    xs = rng.normal(2.0, 0.3, 200)
    # EMA against the closed form sum_i a^(n-i) (1-a) x_i / (1 - a^n).
    for a in (0.0, 0.5, 0.9, 0.99):
        e = Ema(a)
        for n, x in enumerate(xs, start=1):
            got = e.update(float(x))
            w = (1 - a) * a ** np.arange(n - 1, -1, -1)
            want = float(np.dot(w, xs[:n]) / (1 - a**n)) if a > 0 else float(x)
            assert math.isclose(got, want, rel_tol=1e-12), (a, n, got, want)
    # TensorBoard: the first smoothed value is the first value.
    assert Ema(0.9).update(2.0) == 2.0
    # Median against numpy, both parities.
    for window in (1, 4, 5, 25):
        m = Median(window)
        for n, x in enumerate(xs, start=1):
            got = m.update(float(x))
            assert got == float(np.median(xs[max(0, n - window):n])), (window, n)
    # Slope against numpy.polyfit, and an exact line.
    steps = np.cumsum(rng.integers(1, 50, 200))
    for w in (2, 10, 50):
        for end in range(w, 200, 37):
            got = slope([int(s) for s in steps[end - w:end]], [float(v) for v in xs[end - w:end]])
            want = float(np.polyfit(steps[end - w:end].astype(float), xs[end - w:end], 1)[0])
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-15), (w, end, got, want)
    assert slope([0, 10, 20], [3.0, 2.0, 1.0]) == -0.1
    assert math.isnan(slope([5, 5], [1.0, 2.0]))


# ---------------------------------------------------------------------------- files

STAR_MAX_POINTS = 5000  # `*` in the configs: curves up to this size (keeps the golden files small)


def small_curves():
    return [name for name in all_curves() if len(read_curve(name)) <= STAR_MAX_POINTS]


def read_configs():
    with open(CONFIGS, newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines))


def parse_params(text):
    return dict(kv.split("=", 1) for kv in text.split())


def fmt(values):
    return " ".join(repr(float(v)) for v in values)


def golden_text():
    out = io.StringIO()
    out.write(f"# format: {GOLDEN_FORMAT}\n")
    out.write("# Written by growth/src/test/python/smoothing_reference.py from smoothing_configs.csv;\n")
    out.write("# do not edit. Lists are space-separated, one entry per firing: firing_steps, the\n")
    out.write("# smoothed value compared (divergence: the smoothed value before the spike), and for\n")
    out.write("# trends the slope per step and the projected relative improvement (nan otherwise).\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["detector", "curve", "metric", "params", "firing_steps", "firing_smoothed",
                     "firing_slope", "firing_improvement"])
    for config in read_configs():
        names = small_curves() if config["curve"] == "*" else [config["curve"]]
        params = parse_params(config["params"])
        for name in names:
            points = metric_values(read_curve(name), config["metric"])
            firings = DETECTORS[config["detector"]](points, params)
            writer.writerow([
                config["detector"], name, config["metric"], config["params"],
                " ".join(str(f[0]) for f in firings),
                fmt(f[1] for f in firings),
                fmt(f[2] for f in firings),
                fmt(f[3] for f in firings),
            ])
    return out.getvalue()




def values_text():
    out = io.StringIO()
    out.write(f"# format: {GOLDEN_FORMAT}\n")
    out.write("# Written by growth/src/test/python/smoothing_reference.py; do not edit. Per point:\n")
    out.write("# debiased EMA (weights 0.9, 0.99), window median (5, 25) of the finite values so far,\n")
    out.write("# and the least-squares slope of ema_0.9 against step over the last 20 finite points\n")
    out.write("# (nan until 20). Non-finite values are skipped: their row repeats nan.\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["curve", "step", "value", "ema_0.9", "ema_0.99", "median_5", "median_25",
                     "slope_ema_0.9_w20"])
    for name in small_curves():
        points = read_curve(name)
        e9, e99, m5, m25 = Ema(0.9), Ema(0.99), Median(5), Median(25)
        xs, ys = [], []
        for step, value in points:
            if not math.isfinite(value):
                writer.writerow([name, step, repr(value)] + ["nan"] * 5)
                continue
            row = [e9.update(value), e99.update(value), m5.update(value), m25.update(value)]
            xs.append(step)
            ys.append(row[0])
            if len(xs) > 20:
                xs.pop(0)
                ys.pop(0)
            row.append(slope(xs, ys) if len(xs) == 20 else math.nan)
            writer.writerow([name, step, repr(value)] + [repr(v) for v in row])
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a golden file is stale")
    args = parser.parse_args()
    self_test()
    for path, text in ((GOLDEN, golden_text()), (VALUES, values_text())):
        if args.check:
            if path.read_text() != text:
                sys.exit(f"{path} is stale: run {Path(__file__).name} without --check")
            print(f"{path} is up to date")
        else:
            path.write_text(text)
            print(f"wrote {path} ({text.count(chr(10))} lines)")


if __name__ == "__main__":
    main()
