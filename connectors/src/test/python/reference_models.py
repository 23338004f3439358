#!/usr/bin/env python3
"""Independent numpy reference for Graft's forward pass (growth.model), and the golden files.

Written from the semantics of Hugging Face transformers' modeling code (class and function names
cited at each step), not from Graft's Java. It generates small random models of each family,
writes each as a real Hugging Face checkpoint directory (config.json + model.safetensors, F32), runs
the reference forward in float64 on fixed probe inputs, and writes the inputs and outputs to
probe.safetensors beside it:

    input_ids       I32 [B, T]
    token_type_ids  I32 [B, T]      (bert, albert)
    attention_mask  I32 [B, T]      (bert, albert; 1 = attend, 0 = padding)
    hidden_states   F64 [B, T, D]   last_hidden_state as transformers returns it
    logits          F64 [B, T, V]   when the model has a head

Only numpy is needed. Regenerate from the repository root with

    python3 connectors/src/test/python/reference_models.py

The output is deterministic (fixed seeds, sorted JSON), so regenerating leaves git clean.
"""
import json
import math
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "models"))

# ----------------------------------------------------------------------------------------------
# safetensors, written by hand: u64 LE header length, JSON header, then the data
# ----------------------------------------------------------------------------------------------
_DTYPES = {np.dtype("float32"): "F32", np.dtype("float64"): "F64", np.dtype("int32"): "I32"}


def write_safetensors(path, tensors, metadata=None):
    # Widest dtypes first so every tensor's data starts aligned to its element size.
    names = sorted(tensors, key=lambda n: (-tensors[n].dtype.itemsize, n))
    header, offset, blobs = {}, 0, []
    for n in names:
        a = np.ascontiguousarray(tensors[n])
        data = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[n] = {"dtype": _DTYPES[a.dtype], "shape": list(a.shape),
                     "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ----------------------------------------------------------------------------------------------
# shared pieces (float64 throughout)
# ----------------------------------------------------------------------------------------------
def layer_norm(x, w, b, eps):
    # torch.nn.LayerNorm: biased variance over the last axis.
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def rms_norm(x, w, eps):
    # modeling_llama.py LlamaRMSNorm.forward: x * rsqrt(mean(x^2) + eps), then weight * x.
    var = (x ** 2).mean(-1, keepdims=True)
    return w * (x / np.sqrt(var + eps))


def _erf(x):
    return np.vectorize(math.erf)(x)


ACT = {
    # activations.py GELUActivation (exact, erf)
    "gelu": lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))),
    # activations.py NewGELUActivation / PytorchGELUTanh (tanh approximation)
    "gelu_new": lambda x: 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))),
    "gelu_pytorch_tanh": lambda x: 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))),
    "relu": lambda x: np.maximum(x, 0.0),
    "silu": lambda x: x / (1.0 + np.exp(-x)),
}


def softmax(x):
    m = x.max(-1, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(-1, keepdims=True)


def linear(x, w, b=None):
    # torch.nn.Linear: weight (out, in), y = x W^T + b
    y = x @ w.T
    return y if b is None else y + b


def conv1d(x, w, b):
    # pytorch_utils.py Conv1D: weight (in, out), y = x W + b
    return x @ w + b


def split_heads(x, n, hd):
    # [B, T, n*hd] -> [B, n, T, hd]
    B, T, _ = x.shape
    return x.reshape(B, T, n, hd).transpose(0, 2, 1, 3)


def merge_heads(x):
    B, n, T, hd = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, T, n * hd)


NEG = np.finfo(np.float64).min


def causal_bias(T):
    return np.where(np.tril(np.ones((T, T), dtype=bool)), 0.0, NEG)


def padding_bias(mask):
    # modeling_bert.py get_extended_attention_mask: (1 - mask) * finfo.min, broadcast over heads and queries.
    return np.where(mask[:, None, None, :] > 0, 0.0, NEG)


# ----------------------------------------------------------------------------------------------
# GPT-2 (modeling_gpt2.py)
# ----------------------------------------------------------------------------------------------
def gpt2_forward(cfg, W, ids):
    p = cfg["_prefix"]
    B, T = ids.shape
    d, H = cfg["n_embd"], cfg["n_head"]
    hd = d // H
    act = ACT[cfg["activation_function"]]
    eps = cfg["layer_norm_epsilon"]
    # GPT2Model.forward: inputs_embeds + position_embeds, position_ids = arange(T)
    h = W[p + "wte.weight"][ids] + W[p + "wpe.weight"][np.arange(T)][None]
    for i in range(cfg["n_layer"]):
        l = f"{p}h.{i}."
        # GPT2Block.forward: pre-LN attention
        a = layer_norm(h, W[l + "ln_1.weight"], W[l + "ln_1.bias"], eps)
        qkv = conv1d(a, W[l + "attn.c_attn.weight"], W[l + "attn.c_attn.bias"])
        # GPT2Attention.forward: query, key, value = c_attn(x).split(split_size, dim=2)
        q, k, v = (split_heads(t, H, hd) for t in np.split(qkv, 3, axis=-1))
        # GPT2Attention._attn: / sqrt(head_dim), optionally / (layer_idx + 1), causal mask, softmax
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd)
        if cfg.get("scale_attn_by_inverse_layer_idx", False):
            s = s / float(i + 1)
        s = s + causal_bias(T)
        o = merge_heads(softmax(s) @ v)
        h = h + conv1d(o, W[l + "attn.c_proj.weight"], W[l + "attn.c_proj.bias"])
        # GPT2MLP: c_fc -> act -> c_proj
        m = layer_norm(h, W[l + "ln_2.weight"], W[l + "ln_2.bias"], eps)
        m = conv1d(act(conv1d(m, W[l + "mlp.c_fc.weight"], W[l + "mlp.c_fc.bias"])),
                   W[l + "mlp.c_proj.weight"], W[l + "mlp.c_proj.bias"])
        h = h + m
    h = layer_norm(h, W[p + "ln_f.weight"], W[p + "ln_f.bias"], eps)
    # GPT2LMHeadModel: lm_head (Linear, no bias) tied to wte unless tie_word_embeddings is false
    head = W[p + "wte.weight"] if cfg.get("tie_word_embeddings", True) else W["lm_head.weight"]
    return h, h @ head.T


def gpt2_weights(cfg, rng):
    p = cfg["_prefix"]
    d, ff, V, P = cfg["n_embd"], cfg["n_inner"], cfg["vocab_size"], cfg["n_positions"]
    W = {p + "wte.weight": rnd(rng, V, d), p + "wpe.weight": rnd(rng, P, d, std=0.1)}
    for i in range(cfg["n_layer"]):
        l = f"{p}h.{i}."
        W.update({
            l + "ln_1.weight": gain(rng, d), l + "ln_1.bias": rnd(rng, d, std=0.05),
            l + "attn.c_attn.weight": rnd(rng, d, 3 * d), l + "attn.c_attn.bias": rnd(rng, 3 * d, std=0.05),
            l + "attn.c_proj.weight": rnd(rng, d, d), l + "attn.c_proj.bias": rnd(rng, d, std=0.05),
            l + "ln_2.weight": gain(rng, d), l + "ln_2.bias": rnd(rng, d, std=0.05),
            l + "mlp.c_fc.weight": rnd(rng, d, ff), l + "mlp.c_fc.bias": rnd(rng, ff, std=0.05),
            l + "mlp.c_proj.weight": rnd(rng, ff, d), l + "mlp.c_proj.bias": rnd(rng, d, std=0.05),
        })
    W[p + "ln_f.weight"] = gain(rng, d)
    W[p + "ln_f.bias"] = rnd(rng, d, std=0.05)
    if not cfg.get("tie_word_embeddings", True):
        W["lm_head.weight"] = rnd(rng, V, d)
    return W


# ----------------------------------------------------------------------------------------------
# Llama / Qwen2 (modeling_llama.py, modeling_qwen2.py)
# ----------------------------------------------------------------------------------------------
def rotate_half(x):
    # modeling_llama.py rotate_half: cat(-x2, x1) over the two halves of head_dim
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def rope_cos_sin(T, hd, theta):
    # modeling_llama.py LlamaRotaryEmbedding (rope_type "default"):
    # inv_freq = 1 / theta^(arange(0, hd, 2) / hd); emb = cat(freqs, freqs)
    inv_freq = 1.0 / (theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
    freqs = np.outer(np.arange(T, dtype=np.float64), inv_freq)
    emb = np.concatenate([freqs, freqs], axis=-1)
    return np.cos(emb), np.sin(emb)


def repeat_kv(x, n_rep):
    # modeling_llama.py repeat_kv: [B, kvH, T, hd] -> [B, kvH*n_rep, T, hd], query head i uses kv head i // n_rep
    return np.repeat(x, n_rep, axis=1)


def llama_forward(cfg, W, ids):
    p = "model."
    B, T = ids.shape
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim", cfg["hidden_size"] // H)
    eps = cfg["rms_norm_eps"]
    act = ACT[cfg["hidden_act"]]
    qkv_bias = cfg["model_type"] == "qwen2" or cfg.get("attention_bias", False)
    o_bias = cfg["model_type"] != "qwen2" and cfg.get("attention_bias", False)
    cos, sin = rope_cos_sin(T, hd, cfg["rope_theta"])
    h = W[p + "embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        l = f"{p}layers.{i}."
        # LlamaDecoderLayer: pre-norm attention then pre-norm MLP
        x = rms_norm(h, W[l + "input_layernorm.weight"], eps)
        bias = (lambda n: W[l + n] if qkv_bias else None)
        q = split_heads(linear(x, W[l + "self_attn.q_proj.weight"], bias("self_attn.q_proj.bias")), H, hd)
        k = split_heads(linear(x, W[l + "self_attn.k_proj.weight"], bias("self_attn.k_proj.bias")), KV, hd)
        v = split_heads(linear(x, W[l + "self_attn.v_proj.weight"], bias("self_attn.v_proj.bias")), KV, hd)
        # apply_rotary_pos_emb: q * cos + rotate_half(q) * sin
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = repeat_kv(k, H // KV), repeat_kv(v, H // KV)
        # eager_attention_forward: scaling = head_dim ** -0.5, causal mask, softmax
        s = q @ k.transpose(0, 1, 3, 2) * hd ** -0.5 + causal_bias(T)
        o = merge_heads(softmax(s) @ v)
        h = h + linear(o, W[l + "self_attn.o_proj.weight"], W[l + "self_attn.o_proj.bias"] if o_bias else None)
        # LlamaMLP: down_proj(act(gate_proj(x)) * up_proj(x))
        x = rms_norm(h, W[l + "post_attention_layernorm.weight"], eps)
        h = h + linear(act(linear(x, W[l + "mlp.gate_proj.weight"])) * linear(x, W[l + "mlp.up_proj.weight"]),
                       W[l + "mlp.down_proj.weight"])
    h = rms_norm(h, W[p + "norm.weight"], eps)
    head = W[p + "embed_tokens.weight"] if cfg["tie_word_embeddings"] else W["lm_head.weight"]
    return h, h @ head.T


def llama_weights(cfg, rng):
    p = "model."
    d, ff, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim", d // H)
    qkv_bias = cfg["model_type"] == "qwen2" or cfg.get("attention_bias", False)
    o_bias = cfg["model_type"] != "qwen2" and cfg.get("attention_bias", False)
    W = {p + "embed_tokens.weight": rnd(rng, V, d)}
    for i in range(cfg["num_hidden_layers"]):
        l = f"{p}layers.{i}."
        W.update({
            l + "input_layernorm.weight": gain(rng, d),
            l + "self_attn.q_proj.weight": rnd(rng, H * hd, d),
            l + "self_attn.k_proj.weight": rnd(rng, KV * hd, d),
            l + "self_attn.v_proj.weight": rnd(rng, KV * hd, d),
            l + "self_attn.o_proj.weight": rnd(rng, d, H * hd),
            l + "post_attention_layernorm.weight": gain(rng, d),
            l + "mlp.gate_proj.weight": rnd(rng, ff, d),
            l + "mlp.up_proj.weight": rnd(rng, ff, d),
            l + "mlp.down_proj.weight": rnd(rng, d, ff),
        })
        if qkv_bias:
            W[l + "self_attn.q_proj.bias"] = rnd(rng, H * hd, std=0.1)
            W[l + "self_attn.k_proj.bias"] = rnd(rng, KV * hd, std=0.1)
            W[l + "self_attn.v_proj.bias"] = rnd(rng, KV * hd, std=0.1)
        if o_bias:
            W[l + "self_attn.o_proj.bias"] = rnd(rng, d, std=0.1)
    W[p + "norm.weight"] = gain(rng, d)
    if not cfg["tie_word_embeddings"]:
        W["lm_head.weight"] = rnd(rng, V, d)
    return W


# ----------------------------------------------------------------------------------------------
# BERT (modeling_bert.py) and ALBERT (modeling_albert.py)
# ----------------------------------------------------------------------------------------------
def encoder_attention(x, W, q, k, v, H, mask):
    # BertSelfAttention / AlbertAttention: scores / sqrt(head_size) + extended mask, softmax
    B, T, d = x.shape
    hd = W[q + ".weight"].shape[0] // H
    Q = split_heads(linear(x, W[q + ".weight"], W[q + ".bias"]), H, hd)
    K = split_heads(linear(x, W[k + ".weight"], W[k + ".bias"]), H, hd)
    Vv = split_heads(linear(x, W[v + ".weight"], W[v + ".bias"]), H, hd)
    s = Q @ K.transpose(0, 1, 3, 2) / math.sqrt(hd) + padding_bias(mask)
    return merge_heads(softmax(s) @ Vv)


def bert_forward(cfg, W, ids, types, mask):
    p = cfg["_prefix"]
    e = p + "embeddings."
    H, eps = cfg["num_attention_heads"], cfg["layer_norm_eps"]
    act = ACT[cfg["hidden_act"]]
    T = ids.shape[1]
    # BertEmbeddings: word + token_type + position (absolute), LayerNorm
    h = W[e + "word_embeddings.weight"][ids] + W[e + "token_type_embeddings.weight"][types] \
        + W[e + "position_embeddings.weight"][np.arange(T)][None]
    h = layer_norm(h, W[e + "LayerNorm.weight"], W[e + "LayerNorm.bias"], eps)
    for i in range(cfg["num_hidden_layers"]):
        l = f"{p}encoder.layer.{i}."
        a = encoder_attention(h, W, l + "attention.self.query", l + "attention.self.key",
                              l + "attention.self.value", H, mask)
        # BertSelfOutput: LayerNorm(dense(context) + input)  (post-LN)
        a = layer_norm(linear(a, W[l + "attention.output.dense.weight"], W[l + "attention.output.dense.bias"]) + h,
                       W[l + "attention.output.LayerNorm.weight"], W[l + "attention.output.LayerNorm.bias"], eps)
        # BertIntermediate: act(dense); BertOutput: LayerNorm(dense(.) + attention_output)
        m = act(linear(a, W[l + "intermediate.dense.weight"], W[l + "intermediate.dense.bias"]))
        h = layer_norm(linear(m, W[l + "output.dense.weight"], W[l + "output.dense.bias"]) + a,
                       W[l + "output.LayerNorm.weight"], W[l + "output.LayerNorm.bias"], eps)
    if not cfg["_mlm"]:
        return h, None
    # BertLMPredictionHead: BertPredictionHeadTransform (dense, act, LayerNorm), decoder tied to word embeddings + bias
    c = "cls.predictions."
    t = act(linear(h, W[c + "transform.dense.weight"], W[c + "transform.dense.bias"]))
    t = layer_norm(t, W[c + "transform.LayerNorm.weight"], W[c + "transform.LayerNorm.bias"], eps)
    return h, t @ W[e + "word_embeddings.weight"].T + W[c + "bias"]


def bert_weights(cfg, rng):
    p = cfg["_prefix"]
    e = p + "embeddings."
    d, ff, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    W = {e + "word_embeddings.weight": rnd(rng, V, d),
         e + "position_embeddings.weight": rnd(rng, cfg["max_position_embeddings"], d, std=0.1),
         e + "token_type_embeddings.weight": rnd(rng, cfg["type_vocab_size"], d, std=0.1),
         e + "LayerNorm.weight": gain(rng, d), e + "LayerNorm.bias": rnd(rng, d, std=0.05)}
    for i in range(cfg["num_hidden_layers"]):
        l = f"{p}encoder.layer.{i}."
        for n in ("query", "key", "value"):
            W[l + f"attention.self.{n}.weight"] = rnd(rng, d, d)
            W[l + f"attention.self.{n}.bias"] = rnd(rng, d, std=0.05)
        W.update({
            l + "attention.output.dense.weight": rnd(rng, d, d), l + "attention.output.dense.bias": rnd(rng, d, std=0.05),
            l + "attention.output.LayerNorm.weight": gain(rng, d),
            l + "attention.output.LayerNorm.bias": rnd(rng, d, std=0.05),
            l + "intermediate.dense.weight": rnd(rng, ff, d), l + "intermediate.dense.bias": rnd(rng, ff, std=0.05),
            l + "output.dense.weight": rnd(rng, d, ff), l + "output.dense.bias": rnd(rng, d, std=0.05),
            l + "output.LayerNorm.weight": gain(rng, d), l + "output.LayerNorm.bias": rnd(rng, d, std=0.05),
        })
    # BertPooler (unused by the outputs compared here, present as in Hub checkpoints)
    W[p + "pooler.dense.weight"] = rnd(rng, d, d)
    W[p + "pooler.dense.bias"] = rnd(rng, d, std=0.05)
    if cfg["_mlm"]:
        c = "cls.predictions."
        W.update({c + "transform.dense.weight": rnd(rng, d, d), c + "transform.dense.bias": rnd(rng, d, std=0.05),
                  c + "transform.LayerNorm.weight": gain(rng, d),
                  c + "transform.LayerNorm.bias": rnd(rng, d, std=0.05),
                  c + "bias": rnd(rng, V, std=0.1)})
    return W


def albert_forward(cfg, W, ids, types, mask):
    p = "albert."
    e = p + "embeddings."
    H, eps = cfg["num_attention_heads"], cfg["layer_norm_eps"]
    act = ACT[cfg["hidden_act"]]
    L, G, inner = cfg["num_hidden_layers"], cfg["num_hidden_groups"], cfg["inner_group_num"]
    T = ids.shape[1]
    # AlbertEmbeddings: like BertEmbeddings, at embedding_size
    h = W[e + "word_embeddings.weight"][ids] + W[e + "token_type_embeddings.weight"][types] \
        + W[e + "position_embeddings.weight"][np.arange(T)][None]
    h = layer_norm(h, W[e + "LayerNorm.weight"], W[e + "LayerNorm.bias"], eps)
    # AlbertTransformer: embedding_hidden_mapping_in projects embedding_size -> hidden_size
    h = linear(h, W[p + "encoder.embedding_hidden_mapping_in.weight"], W[p + "encoder.embedding_hidden_mapping_in.bias"])
    for i in range(L):
        # AlbertTransformer.forward: group_idx = int(i / (num_hidden_layers / num_hidden_groups))
        g = int(i / (L / G))
        for j in range(inner):
            # AlbertLayerGroup -> AlbertLayer
            l = f"{p}encoder.albert_layer_groups.{g}.albert_layers.{j}."
            a = encoder_attention(h, W, l + "attention.query", l + "attention.key", l + "attention.value", H, mask)
            # AlbertAttention: LayerNorm(hidden + dense(context))
            a = layer_norm(h + linear(a, W[l + "attention.dense.weight"], W[l + "attention.dense.bias"]),
                           W[l + "attention.LayerNorm.weight"], W[l + "attention.LayerNorm.bias"], eps)
            # AlbertLayer.ff_chunk: ffn -> activation -> ffn_output; full_layer_layer_norm(ffn + attention)
            f = linear(act(linear(a, W[l + "ffn.weight"], W[l + "ffn.bias"])), W[l + "ffn_output.weight"],
                       W[l + "ffn_output.bias"])
            h = layer_norm(f + a, W[l + "full_layer_layer_norm.weight"], W[l + "full_layer_layer_norm.bias"], eps)
    # AlbertMLMHead: dense (hidden -> embedding), activation, LayerNorm, decoder tied to word embeddings + bias
    t = act(linear(h, W["predictions.dense.weight"], W["predictions.dense.bias"]))
    t = layer_norm(t, W["predictions.LayerNorm.weight"], W["predictions.LayerNorm.bias"], eps)
    return h, t @ W[e + "word_embeddings.weight"].T + W["predictions.bias"]


def albert_weights(cfg, rng):
    p = "albert."
    e = p + "embeddings."
    E, d, ff, V = cfg["embedding_size"], cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    W = {e + "word_embeddings.weight": rnd(rng, V, E),
         e + "position_embeddings.weight": rnd(rng, cfg["max_position_embeddings"], E, std=0.1),
         e + "token_type_embeddings.weight": rnd(rng, cfg["type_vocab_size"], E, std=0.1),
         e + "LayerNorm.weight": gain(rng, E), e + "LayerNorm.bias": rnd(rng, E, std=0.05),
         p + "encoder.embedding_hidden_mapping_in.weight": rnd(rng, d, E),
         p + "encoder.embedding_hidden_mapping_in.bias": rnd(rng, d, std=0.05)}
    for g in range(cfg["num_hidden_groups"]):
        for j in range(cfg["inner_group_num"]):
            l = f"{p}encoder.albert_layer_groups.{g}.albert_layers.{j}."
            for n in ("query", "key", "value", "dense"):
                W[l + f"attention.{n}.weight"] = rnd(rng, d, d)
                W[l + f"attention.{n}.bias"] = rnd(rng, d, std=0.05)
            W.update({
                l + "attention.LayerNorm.weight": gain(rng, d), l + "attention.LayerNorm.bias": rnd(rng, d, std=0.05),
                l + "ffn.weight": rnd(rng, ff, d), l + "ffn.bias": rnd(rng, ff, std=0.05),
                l + "ffn_output.weight": rnd(rng, d, ff), l + "ffn_output.bias": rnd(rng, d, std=0.05),
                l + "full_layer_layer_norm.weight": gain(rng, d),
                l + "full_layer_layer_norm.bias": rnd(rng, d, std=0.05),
            })
    W.update({"predictions.dense.weight": rnd(rng, E, d), "predictions.dense.bias": rnd(rng, E, std=0.05),
              "predictions.LayerNorm.weight": gain(rng, E), "predictions.LayerNorm.bias": rnd(rng, E, std=0.05),
              "predictions.bias": rnd(rng, V, std=0.1)})
    return W


# ----------------------------------------------------------------------------------------------
# random weights (stored F32; the reference computes in float64 from the stored values)
# ----------------------------------------------------------------------------------------------
def rnd(rng, *shape, std=0.2):
    return (rng.standard_normal(shape) * std).astype(np.float32)


def gain(rng, n):
    return (1.0 + 0.1 * rng.standard_normal(n)).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# the models
# ----------------------------------------------------------------------------------------------
B, T = 2, 8

MODELS = [
    ("gpt2-tiny", 11, "gpt2", {
        "model_type": "gpt2", "vocab_size": 97, "n_embd": 32, "n_head": 4, "n_layer": 2, "n_inner": 128,
        "n_positions": 16, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
        "tie_word_embeddings": True, "_prefix": ""}),
    ("gpt2-transformer-prefix-untied", 12, "gpt2", {
        "model_type": "gpt2", "vocab_size": 89, "n_embd": 32, "n_head": 2, "n_layer": 3, "n_inner": 64,
        "n_positions": 12, "activation_function": "gelu", "layer_norm_epsilon": 1e-5,
        "scale_attn_by_inverse_layer_idx": True, "tie_word_embeddings": False, "_prefix": "transformer."}),
    ("llama-gqa-tied", 21, "llama", {
        "model_type": "llama", "vocab_size": 101, "hidden_size": 32, "num_attention_heads": 4,
        "num_key_value_heads": 2, "num_hidden_layers": 2, "intermediate_size": 64, "max_position_embeddings": 64,
        "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": True}),
    ("llama-mqa-untied-headdim", 22, "llama", {
        "model_type": "llama", "vocab_size": 83, "hidden_size": 32, "num_attention_heads": 4, "head_dim": 16,
        "num_key_value_heads": 1, "num_hidden_layers": 2, "intermediate_size": 48, "max_position_embeddings": 64,
        "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "hidden_act": "silu", "attention_bias": True,
        "tie_word_embeddings": False}),
    ("qwen2-bias", 23, "llama", {
        "model_type": "qwen2", "vocab_size": 79, "hidden_size": 32, "num_attention_heads": 4,
        "num_key_value_heads": 2, "num_hidden_layers": 2, "intermediate_size": 64, "max_position_embeddings": 64,
        "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "hidden_act": "silu", "tie_word_embeddings": False}),
    ("bert-mlm", 31, "bert", {
        "model_type": "bert", "vocab_size": 103, "hidden_size": 32, "num_attention_heads": 4,
        "num_hidden_layers": 2, "intermediate_size": 64, "max_position_embeddings": 16, "type_vocab_size": 2,
        "layer_norm_eps": 1e-12, "hidden_act": "gelu", "tie_word_embeddings": True,
        "_prefix": "bert.", "_mlm": True}),
    ("bert-encoder", 32, "bert", {
        "model_type": "bert", "vocab_size": 91, "hidden_size": 32, "num_attention_heads": 2,
        "num_hidden_layers": 3, "intermediate_size": 48, "max_position_embeddings": 16, "type_vocab_size": 2,
        "layer_norm_eps": 1e-12, "hidden_act": "gelu_new", "_prefix": "", "_mlm": False}),
    ("albert-shared", 41, "albert", {
        "model_type": "albert", "vocab_size": 95, "embedding_size": 16, "hidden_size": 32,
        "num_attention_heads": 4, "num_hidden_layers": 4, "num_hidden_groups": 1, "inner_group_num": 1,
        "intermediate_size": 64, "max_position_embeddings": 16, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
        "hidden_act": "gelu_new", "tie_word_embeddings": True}),
]


def probes(rng, cfg, kind):
    V = cfg["vocab_size"]
    ids = rng.integers(0, V, size=(B, T)).astype(np.int32)
    out = {"input_ids": ids}
    if kind in ("bert", "albert"):
        types = np.zeros((B, T), dtype=np.int32)
        types[:, T // 2:] = 1
        mask = np.ones((B, T), dtype=np.int32)
        mask[1, T - 3:] = 0  # the second sequence ends in three padding positions
        out["token_type_ids"] = types
        out["attention_mask"] = mask
    return out


def main():
    for name, seed, kind, cfg in MODELS:
        rng = np.random.default_rng(seed)
        weights = {"gpt2": gpt2_weights, "llama": llama_weights, "bert": bert_weights,
                   "albert": albert_weights}[kind](cfg, rng)
        inputs = probes(rng, cfg, kind)
        W = {k: v.astype(np.float64) for k, v in weights.items()}
        if kind == "gpt2":
            hidden, logits = gpt2_forward(cfg, W, inputs["input_ids"])
        elif kind == "llama":
            hidden, logits = llama_forward(cfg, W, inputs["input_ids"])
        elif kind == "bert":
            hidden, logits = bert_forward(cfg, W, inputs["input_ids"], inputs["token_type_ids"],
                                          inputs["attention_mask"])
        else:
            hidden, logits = albert_forward(cfg, W, inputs["input_ids"], inputs["token_type_ids"],
                                            inputs["attention_mask"])
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        config = {k: v for k, v in cfg.items() if not k.startswith("_")}
        config["torch_dtype"] = "float32"
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(config, f, indent=2, sort_keys=True)
            f.write("\n")
        write_safetensors(os.path.join(d, "model.safetensors"), weights, {"format": "pt"})
        golden = dict(inputs)
        golden["hidden_states"] = hidden
        if logits is not None:
            golden["logits"] = logits
        write_safetensors(os.path.join(d, "probe.safetensors"), golden,
                          {"source": "connectors/src/test/python/reference_models.py", "compute": "float64"})
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        scale = np.abs(logits if logits is not None else hidden).max()
        print(f"{name:34s} {size / 1024:7.1f} KiB  max|out| {scale:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
