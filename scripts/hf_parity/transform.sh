#!/usr/bin/env bash
# Grows and shrinks the small sources with ./graft and records Graft's own verify numbers, so that
# check.py can load every pair in Hugging Face transformers and compare. See README.md here.
#   scripts/hf_parity/transform.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-target/hf-parity}
rm -rf "$OUT" && mkdir -p "$OUT/cases"
python3 scripts/hf_parity/make_sources.py "$OUT/sources" >/dev/null
python3 - "$OUT/probes.txt" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(11)
with open(sys.argv[1], "w") as f:
    for row in rng.integers(0, 97, (4, 24)):
        f.write(" ".join(map(str, row)) + "\n")
PY
echo "[" > "$OUT/cases.json"
first=1
# name kind family args...
run_case() {
  local name=$1 kind=$2 family=$3; shift 3
  local dst="$OUT/cases/$name"
  if ! ./graft "$kind" --quiet "$@" "$OUT/sources/$family" "$dst" > "$OUT/cases/$name.log" 2>&1; then
    echo "SKIP $name: $(tail -1 "$OUT/cases/$name.log")"; return 0
  fi
  # Whether Graft claims the result lossless is in its manifest (pad, stack, identity-depth on
  # post-LN models and every shrink are approximate).
  local lossless approx=""
  lossless=$(python3 -c 'import json,sys; print(str(json.load(open(sys.argv[1]))["verification"]["lossless"]).lower())' "$dst/graft.json")
  [ "$lossless" = true ] || approx="--approximate"
  ./graft verify --json $approx --token-file "$OUT/probes.txt" "$OUT/sources/$family" "$dst" \
      > "$OUT/cases/$name.verify.json" || true
  [ $first = 1 ] && first=0 || echo "," >> "$OUT/cases.json"
  printf '{"name":"%s","kind":"%s","family":"%s","args":"%s","lossless":%s,"graft_verify":%s}\n' \
      "$name" "$kind" "$family" "$*" "$lossless" \
      "$(cat "$OUT/cases/$name.verify.json")" >> "$OUT/cases.json"
  echo "ok   $name"
}
for f in gpt2 llama qwen2 mistral bert; do
  run_case "$f-hyperclone-2x" grow $f --op hyperclone --factor 2
  run_case "$f-lemon-w1.5-d1.5" grow $f --op lemon --to hidden=48,layers=3
  run_case "$f-lemon-w2-d2" grow $f --op lemon --factor 2 --to layers=4
  run_case "$f-pad-2x" grow $f --op pad --factor 2
  run_case "$f-identity-depth-2x" grow $f --op identity-depth --factor 2
  run_case "$f-stack-2x" grow $f --op stack --factor 2
  run_case "$f-subclone-half" shrink $f --op subclone --to hidden=16,layers=1 --calibration "$OUT/probes.txt"
  run_case "$f-select-half" shrink $f --op select --to hidden=16,layers=1
  run_case "$f-magnitude-half" shrink $f --op magnitude --to hidden=16,layers=1
done
echo "]" >> "$OUT/cases.json"
du -sh "$OUT"
