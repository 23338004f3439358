#!/usr/bin/env python3
"""Writes small random Hugging Face checkpoints (config.json + model.safetensors) with numpy only.

They are the sources for the transformers parity check (README.md beside this file): Graft grows
and shrinks them here, and transformers loads source and result on a machine with PyTorch.

    python3 scripts/hf_parity/make_sources.py OUT_DIR
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np

VOCAB = 97
POSITIONS = 64


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


class Init:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def w(self, *shape, std=0.08):
        return self.rng.normal(0.0, std, shape).astype(np.float32)

    def norm(self, n):
        return (1.0 + self.rng.normal(0.0, 0.1, n)).astype(np.float32)

    def bias(self, n):
        return self.rng.normal(0.0, 0.02, n).astype(np.float32)


def gpt2(out, d=32, layers=2, heads=4):
    r, t = Init(1), {}
    t["transformer.wte.weight"] = r.w(VOCAB, d)
    t["transformer.wpe.weight"] = r.w(POSITIONS, d, std=0.02)
    for i in range(layers):
        p = f"transformer.h.{i}."
        t[p + "ln_1.weight"], t[p + "ln_1.bias"] = r.norm(d), r.bias(d)
        t[p + "attn.c_attn.weight"], t[p + "attn.c_attn.bias"] = r.w(d, 3 * d), r.bias(3 * d)
        t[p + "attn.c_proj.weight"], t[p + "attn.c_proj.bias"] = r.w(d, d), r.bias(d)
        t[p + "ln_2.weight"], t[p + "ln_2.bias"] = r.norm(d), r.bias(d)
        t[p + "mlp.c_fc.weight"], t[p + "mlp.c_fc.bias"] = r.w(d, 4 * d), r.bias(4 * d)
        t[p + "mlp.c_proj.weight"], t[p + "mlp.c_proj.bias"] = r.w(4 * d, d), r.bias(d)
    t["transformer.ln_f.weight"], t["transformer.ln_f.bias"] = r.norm(d), r.bias(d)
    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": VOCAB,
              "n_positions": POSITIONS, "n_embd": d, "n_layer": layers, "n_head": heads,
              "n_inner": None, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
              "tie_word_embeddings": True, "resid_pdrop": 0.0, "embd_pdrop": 0.0,
              "attn_pdrop": 0.0}
    save(out / "gpt2", config, t)


def llama_like(out, family, d=32, layers=2, heads=4, kv_heads=2, ffn=64, bias=False, seed=2):
    r, t, hd = Init(seed), {}, d // heads
    t["model.embed_tokens.weight"] = r.w(VOCAB, d)
    for i in range(layers):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = r.norm(d)
        t[p + "self_attn.q_proj.weight"] = r.w(heads * hd, d)
        t[p + "self_attn.k_proj.weight"] = r.w(kv_heads * hd, d)
        t[p + "self_attn.v_proj.weight"] = r.w(kv_heads * hd, d)
        if bias:
            t[p + "self_attn.q_proj.bias"] = r.bias(heads * hd)
            t[p + "self_attn.k_proj.bias"] = r.bias(kv_heads * hd)
            t[p + "self_attn.v_proj.bias"] = r.bias(kv_heads * hd)
        t[p + "self_attn.o_proj.weight"] = r.w(d, heads * hd)
        t[p + "post_attention_layernorm.weight"] = r.norm(d)
        t[p + "mlp.gate_proj.weight"] = r.w(ffn, d)
        t[p + "mlp.up_proj.weight"] = r.w(ffn, d)
        t[p + "mlp.down_proj.weight"] = r.w(d, ffn)
    t["model.norm.weight"] = r.norm(d)
    t["lm_head.weight"] = r.w(VOCAB, d)
    arch = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM",
            "mistral": "MistralForCausalLM"}[family]
    config = {"model_type": family, "architectures": [arch], "vocab_size": VOCAB,
              "hidden_size": d, "intermediate_size": ffn, "num_hidden_layers": layers,
              "num_attention_heads": heads, "num_key_value_heads": kv_heads, "hidden_act": "silu",
              "max_position_embeddings": POSITIONS, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
              "tie_word_embeddings": False}
    if family == "llama":
        config["attention_bias"] = False
        config["mlp_bias"] = False
    if family == "qwen2":
        config["use_sliding_window"] = False
    if family == "mistral":
        config["sliding_window"] = None
    save(out / family, config, t)


def bert(out, d=32, layers=2, heads=4, ffn=64):
    r, t = Init(4), {}
    e = "bert.embeddings."
    t[e + "word_embeddings.weight"] = r.w(VOCAB, d)
    t[e + "position_embeddings.weight"] = r.w(POSITIONS, d, std=0.02)
    t[e + "token_type_embeddings.weight"] = r.w(2, d, std=0.02)
    t[e + "LayerNorm.weight"], t[e + "LayerNorm.bias"] = r.norm(d), r.bias(d)
    for i in range(layers):
        p = f"bert.encoder.layer.{i}."
        for m in ("query", "key", "value"):
            t[p + f"attention.self.{m}.weight"] = r.w(d, d)
            t[p + f"attention.self.{m}.bias"] = r.bias(d)
        t[p + "attention.output.dense.weight"] = r.w(d, d)
        t[p + "attention.output.dense.bias"] = r.bias(d)
        t[p + "attention.output.LayerNorm.weight"] = r.norm(d)
        t[p + "attention.output.LayerNorm.bias"] = r.bias(d)
        t[p + "intermediate.dense.weight"] = r.w(ffn, d)
        t[p + "intermediate.dense.bias"] = r.bias(ffn)
        t[p + "output.dense.weight"], t[p + "output.dense.bias"] = r.w(d, ffn), r.bias(d)
        t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"] = r.norm(d), r.bias(d)
    c = "cls.predictions."
    t[c + "transform.dense.weight"], t[c + "transform.dense.bias"] = r.w(d, d), r.bias(d)
    t[c + "transform.LayerNorm.weight"] = r.norm(d)
    t[c + "transform.LayerNorm.bias"] = r.bias(d)
    t[c + "bias"] = r.bias(VOCAB)  # the decoder is tied to the word embeddings
    config = {"model_type": "bert", "architectures": ["BertForMaskedLM"], "vocab_size": VOCAB,
              "hidden_size": d, "num_hidden_layers": layers, "num_attention_heads": heads,
              "intermediate_size": ffn, "hidden_act": "gelu", "max_position_embeddings": POSITIONS,
              "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_dropout_prob": 0.0,
              "attention_probs_dropout_prob": 0.0, "position_embedding_type": "absolute"}
    save(out / "bert", config, t)


def save(directory, config, tensors):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    write_safetensors(directory / "model.safetensors", tensors)
    print(f"wrote {directory} ({sum(a.size for a in tensors.values())} parameters)")


if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "target/hf-parity/sources")
    gpt2(root)
    llama_like(root, "llama")
    llama_like(root, "qwen2", bias=True, seed=3)
    llama_like(root, "mistral", seed=5)
    bert(root)
