#!/usr/bin/env bash
# Renders docs/detection/<curve>.png (and <curve>.json firings into $JSON_DIR) for every curve in a
# directory (default /work/shared/data/curves), then docs/detection/table.md, the table that
# docs/detection.md quotes. Run from the repository root:
#
#   GRAFT="./graft" docs/detection/render.sh [CURVE_DIR]
#
# GRAFT is the command line to run: `./graft` once `detect` is registered in GraftCli, or, with
# the classes built, `java -Djava.awt.headless=true -cp <classpath> dev.graft.cli.DetectCommand`
# (DetectCommand has its own main; see docs/detection.md).
set -euo pipefail
CURVES="${1:-/work/shared/data/curves}"
GRAFT="${GRAFT:-./graft}"
JSON_DIR="${JSON_DIR:-$(mktemp -d)}"  # the firings as JSON (megabytes for per-step curves)
# The settings of the table in docs/detection.md; change them there too.
SETTINGS=(--mode rlrop,ema,median,trend --patience 10 --cooldown 10 --ema-weight 0.9
          --median-window 25 --trend-window 50 --horizon 1000 --spike 3 --spike-warmup 20)
case "$GRAFT" in
  ./graft|graft) SUB=(detect) ;;
  *) SUB=() ;;
esac
for f in "$CURVES"/*.csv; do
  name="$(basename "$f" .csv)"
  # shellcheck disable=SC2086
  $GRAFT "${SUB[@]}" "$f" "${SETTINGS[@]}" --json --plot "docs/detection/$name.png" \
    > "$JSON_DIR/$name.json"
  echo "rendered $name" >&2
done
python3 docs/detection/table.py "$CURVES" "$JSON_DIR" > docs/detection/table.md
echo "firings as JSON in $JSON_DIR; table in docs/detection/table.md" >&2
