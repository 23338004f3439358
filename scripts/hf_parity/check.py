#!/usr/bin/env python3
"""Loads every source/result pair that transform.sh wrote in Hugging Face transformers, runs both on
the same probe tokens and compares their logits: the independent check that Graft's checkpoints are
what transformers expects (names, layouts, config keys) and that lossless growth is lossless in a
real model runtime. Needs torch and transformers (a GPU is used when there is one).

    python3 scripts/hf_parity/check.py DIR        # DIR = transform.sh's output
"""
import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, BertForMaskedLM

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def load(directory, family):
    cls = BertForMaskedLM if family == "bert" else AutoModelForCausalLM
    model, info = cls.from_pretrained(directory, torch_dtype=torch.float32,
                                      attn_implementation="eager", output_loading_info=True)
    return model.to(DEVICE).eval(), info


def logits(model, family, ids):
    with torch.no_grad():
        if family == "bert":
            return model(input_ids=ids, attention_mask=torch.ones_like(ids),
                         token_type_ids=torch.zeros_like(ids)).logits.double()
        return model(input_ids=ids).logits.double()


def problems(info):
    return {k: v for k, v in info.items() if k != "error_msgs" and v} | (
        {"error_msgs": info["error_msgs"]} if info.get("error_msgs") else {})


def main(root):
    import transformers
    cases = json.loads((root / "cases.json").read_text())
    rows = [[int(t) for t in line.split()] for line in (root / "probes.txt").read_text().splitlines()
            if line.strip()]
    ids = torch.tensor(rows, device=DEVICE)
    report = {"torch": torch.__version__, "transformers": transformers.__version__,
              "device": torch.cuda.get_device_name(0) if DEVICE == "cuda" else "cpu", "cases": []}
    sources = {}
    for case in cases:
        family = case["family"]
        entry = {"name": case["name"], "lossless": case["lossless"]}
        try:
            if family not in sources:
                model, info = load(root / "sources" / family, family)
                sources[family] = (logits(model, family, ids), problems(info))
            expected, source_problems = sources[family]
            model, info = load(root / "cases" / case["name"], family)
            actual = logits(model, family, ids)
            delta = (expected - actual).abs()
            entry.update(
                loaded=not problems(info) and not source_problems,
                loading_problems=problems(info) or source_problems or None,
                hf_max_abs=delta.max().item(), hf_mean_abs=delta.mean().item(),
                hf_relative=delta.max().item() / expected.abs().max().item())
            gv = case.get("graft_verify") or {}
            g = gv.get("verification", gv)
            entry["graft_max_abs"] = g.get("max_abs_delta", g.get("max_abs"))
            entry["graft_mean_abs"] = g.get("mean_abs_delta", g.get("mean_abs"))
            entry["ok"] = entry["loaded"] and (not case["lossless"] or entry["hf_relative"] <= 1e-4)
        except Exception as e:  # one bad case must not hide the others
            entry.update(ok=False, error=f"{type(e).__name__}: {e}")
        report["cases"].append(entry)
        print(json.dumps(entry), flush=True)
    out = root / "hf_parity.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    bad = [c["name"] for c in report["cases"] if not c["ok"]]
    print(f"{len(report['cases']) - len(bad)}/{len(report['cases'])} ok; failed: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "target/hf-parity")))
