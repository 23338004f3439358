#!/usr/bin/env python3
"""Builds the curve x mode table of docs/detection.md from the JSON that `graft detect --json`
wrote for each curve (see render.sh). Usage: table.py CURVE_DIR JSON_DIR > table.md"""
import csv
import json
import sys
from pathlib import Path

MODES = ["rlrop", "ema", "median", "trend", "divergence"]
SHOWN = 4  # first firing steps listed per cell


def cell(steps):
    if not steps:
        return "—"
    head = ", ".join(str(s) for s in steps[:SHOWN])
    return f"**{len(steps)}**: {head}{', …' if len(steps) > SHOWN else ''}"


def main():
    curves, jsons = Path(sys.argv[1]), Path(sys.argv[2])
    print("| curve | points | last step | " + " | ".join(MODES) + " |")
    print("|---|---:|---:|" + "---|" * len(MODES))
    for path in sorted(jsons.glob("*.json")):
        firings = json.loads(path.read_text())
        with open(curves / (path.stem + ".csv"), newline="") as f:
            rows = list(csv.reader(f))[1:]
        by_mode = {m: [x["step"] for x in firings if x["mode"] == m and x["held_back"] is None]
                   for m in MODES}
        print(f"| [{path.stem}](detection/{path.stem}.png) | {len(rows)} | {rows[-1][0]} | "
              + " | ".join(cell(by_mode[m]) for m in MODES) + " |")


if __name__ == "__main__":
    main()
