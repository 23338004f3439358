#!/usr/bin/env python3
"""Independent numpy reference for Graft's growth operators (growth.ops).

Written from research/OPERATORS.md and the papers, not from the Java code: HyperCloning
(arXiv 2409.12903), LEMON (arXiv 2310.07999), copy+pad (arXiv 2104.11390), identity blocks
(LLaMA-Pro), stacking (StackBERT / G_stack arXiv 2405.15319), unsharing (arXiv 2110.03848).
A float64 forward pass per family (gpt2 pre-LN Conv1D, llama RMSNorm+GQA+RoPE+SwiGLU, bert post-LN
with tied MLM head) measures function preservation as max |Δlogit|.

Writes, per case, under growth/src/test/resources/ops/<case>/:
  source.safetensors    source weights (F32, Hugging Face names)
  expected.safetensors  grown weights, for deterministic operators (F32)
  logits.safetensors    ids (F32), source_logits and grown_logits (F64)
and prints / writes results.md: the |Δlogit| table quoted in docs/operators.md.

Usage: python3 ops_reference.py [--out DIR]
"""
import argparse, json, os, struct
import numpy as np

# ---------------------------------------------------------------- safetensors
def save_st(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        a = tensors[name]
        dt = {np.float32: 'F32', np.float64: 'F64'}[a.dtype.type]
        b = np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': dt, 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b); off += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h))); f.write(h)
        for b in blobs: f.write(b)

def f32(d): return {k: np.asarray(v, dtype=np.float32) for k, v in d.items()}
def f64(d): return {k: np.asarray(v, dtype=np.float64) for k, v in d.items()}

# ---------------------------------------------------------------- math
def ln(x, g, b, eps):
    m = x.mean(-1, keepdims=True); v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b
def rms(x, g, eps): return x / np.sqrt((x ** 2).mean(-1, keepdims=True) + eps) * g
def gelu_new(x): return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
def gelu(x):
    from math import erf
    return 0.5 * x * (1 + np.vectorize(erf)(x / np.sqrt(2)))
def silu(x): return x / (1 + np.exp(-x))
def softmax(z): z = z - z.max(-1, keepdims=True); e = np.exp(z); return e / e.sum(-1, keepdims=True)
def rope(x, base=10000.0):
    T, hd = x.shape; inv = base ** (-np.arange(0, hd, 2) / hd)
    f = np.outer(np.arange(T), inv); emb = np.concatenate([f, f], -1)
    return x * np.cos(emb) + np.concatenate([-x[:, hd // 2:], x[:, :hd // 2]], -1) * np.sin(emb)

def attention(q, k, v, H, G, hd, causal, use_rope=False):
    T = q.shape[0]; outs = []
    for i in range(H):
        g = i // (H // G)
        qi, ki, vi = q[:, i*hd:(i+1)*hd], k[:, g*hd:(g+1)*hd], v[:, g*hd:(g+1)*hd]
        if use_rope: qi, ki = rope(qi), rope(ki)
        s = qi @ ki.T / np.sqrt(hd)
        if causal: s = s + np.triu(np.full((T, T), -1e30), 1)
        outs.append(softmax(s) @ vi)
    return np.concatenate(outs, -1)

# ---------------------------------------------------------------- forward passes (float64)
def gpt2_forward(P, c, ids):
    d, H, L, eps = c['n_embd'], c['n_head'], c['n_layer'], c['layer_norm_epsilon']; hd = d // H
    P = f64(P); h = P['wte.weight'][ids] + P['wpe.weight'][:len(ids)]
    for i in range(L):
        p = f'h.{i}.'
        x = ln(h, P[p+'ln_1.weight'], P[p+'ln_1.bias'], eps)
        qkv = x @ P[p+'attn.c_attn.weight'] + P[p+'attn.c_attn.bias']
        a = attention(qkv[:, :d], qkv[:, d:2*d], qkv[:, 2*d:], H, H, hd, True)
        h = h + a @ P[p+'attn.c_proj.weight'] + P[p+'attn.c_proj.bias']
        x = ln(h, P[p+'ln_2.weight'], P[p+'ln_2.bias'], eps)
        h = h + gelu_new(x @ P[p+'mlp.c_fc.weight'] + P[p+'mlp.c_fc.bias']) @ P[p+'mlp.c_proj.weight'] + P[p+'mlp.c_proj.bias']
    x = ln(h, P['ln_f.weight'], P['ln_f.bias'], eps)
    W = P['lm_head.weight'] if not c.get('tie_word_embeddings', True) else P['wte.weight']
    return x @ W.T

def llama_forward(P, c, ids):
    H, G, L, eps = c['num_attention_heads'], c['num_key_value_heads'], c['num_hidden_layers'], c['rms_norm_eps']
    hd = c['head_dim']; P = f64(P); m = 'model.'
    h = P[m+'embed_tokens.weight'][ids]
    for i in range(L):
        p = f'{m}layers.{i}.'
        x = rms(h, P[p+'input_layernorm.weight'], eps)
        a = attention(x @ P[p+'self_attn.q_proj.weight'].T, x @ P[p+'self_attn.k_proj.weight'].T,
                      x @ P[p+'self_attn.v_proj.weight'].T, H, G, hd, True, use_rope=True)
        h = h + a @ P[p+'self_attn.o_proj.weight'].T
        x = rms(h, P[p+'post_attention_layernorm.weight'], eps)
        h = h + (silu(x @ P[p+'mlp.gate_proj.weight'].T) * (x @ P[p+'mlp.up_proj.weight'].T)) @ P[p+'mlp.down_proj.weight'].T
    x = rms(h, P[m+'norm.weight'], eps)
    W = P[m+'embed_tokens.weight'] if c['tie_word_embeddings'] else P['lm_head.weight']
    return x @ W.T

def bert_forward(P, c, ids):
    d, H, L, eps = c['hidden_size'], c['num_attention_heads'], c['num_hidden_layers'], c['layer_norm_eps']
    hd = d // H; P = f64(P); b = 'bert.'; e = b + 'embeddings.'
    h = P[e+'word_embeddings.weight'][ids] + P[e+'position_embeddings.weight'][:len(ids)] + P[e+'token_type_embeddings.weight'][0]
    h = ln(h, P[e+'LayerNorm.weight'], P[e+'LayerNorm.bias'], eps)
    lin = lambda x, n: x @ P[n+'.weight'].T + P[n+'.bias']
    for i in range(L):
        p = f'{b}encoder.layer.{i}.'
        a = attention(lin(h, p+'attention.self.query'), lin(h, p+'attention.self.key'), lin(h, p+'attention.self.value'), H, H, hd, False)
        h = ln(h + lin(a, p+'attention.output.dense'), P[p+'attention.output.LayerNorm.weight'], P[p+'attention.output.LayerNorm.bias'], eps)
        f = lin(gelu(lin(h, p+'intermediate.dense')), p+'output.dense')
        h = ln(h + f, P[p+'output.LayerNorm.weight'], P[p+'output.LayerNorm.bias'], eps)
    t = 'cls.predictions.'
    x = ln(gelu(lin(h, t+'transform.dense')), P[t+'transform.LayerNorm.weight'], P[t+'transform.LayerNorm.bias'], eps)
    W = P[e+'word_embeddings.weight'] if c.get('tie_word_embeddings', True) else P[t+'decoder.weight']
    return x @ W.T + P[t+'bias']

FORWARD = {'gpt2': gpt2_forward, 'llama': llama_forward, 'bert': bert_forward}

# ---------------------------------------------------------------- random source models
def rnd(rng, *s, scale=0.3): return rng.normal(0, scale, s)

def make_gpt2(rng, V=24, d=16, H=4, L=2, P=12, ff=None):
    ff = ff or 4 * d
    W = {'wte.weight': rnd(rng, V, d), 'wpe.weight': rnd(rng, P, d),
         'ln_f.weight': 1 + rnd(rng, d, scale=0.1), 'ln_f.bias': rnd(rng, d, scale=0.1)}
    for i in range(L):
        p = f'h.{i}.'
        W.update({p+'ln_1.weight': 1 + rnd(rng, d, scale=0.1), p+'ln_1.bias': rnd(rng, d, scale=0.1),
                  p+'attn.c_attn.weight': rnd(rng, d, 3*d), p+'attn.c_attn.bias': rnd(rng, 3*d, scale=0.1),
                  p+'attn.c_proj.weight': rnd(rng, d, d), p+'attn.c_proj.bias': rnd(rng, d, scale=0.1),
                  p+'ln_2.weight': 1 + rnd(rng, d, scale=0.1), p+'ln_2.bias': rnd(rng, d, scale=0.1),
                  p+'mlp.c_fc.weight': rnd(rng, d, ff), p+'mlp.c_fc.bias': rnd(rng, ff, scale=0.1),
                  p+'mlp.c_proj.weight': rnd(rng, ff, d), p+'mlp.c_proj.bias': rnd(rng, d, scale=0.1)})
    c = {'model_type': 'gpt2', 'vocab_size': V, 'n_embd': d, 'n_head': H, 'n_layer': L, 'n_positions': P,
         'n_inner': ff, 'layer_norm_epsilon': 1e-5, 'activation_function': 'gelu_new', 'tie_word_embeddings': True,
         'torch_dtype': 'float32'}
    return f32(W), c

def make_llama(rng, V=24, d=16, H=4, G=2, L=2, ff=24, tied=False):
    hd = d // H; m = 'model.'
    W = {m+'embed_tokens.weight': rnd(rng, V, d), m+'norm.weight': 1 + rnd(rng, d, scale=0.1)}
    if not tied: W['lm_head.weight'] = rnd(rng, V, d)
    for i in range(L):
        p = f'{m}layers.{i}.'
        W.update({p+'input_layernorm.weight': 1 + rnd(rng, d, scale=0.1), p+'post_attention_layernorm.weight': 1 + rnd(rng, d, scale=0.1),
                  p+'self_attn.q_proj.weight': rnd(rng, H*hd, d), p+'self_attn.k_proj.weight': rnd(rng, G*hd, d),
                  p+'self_attn.v_proj.weight': rnd(rng, G*hd, d), p+'self_attn.o_proj.weight': rnd(rng, d, H*hd),
                  p+'mlp.gate_proj.weight': rnd(rng, ff, d), p+'mlp.up_proj.weight': rnd(rng, ff, d), p+'mlp.down_proj.weight': rnd(rng, d, ff)})
    c = {'model_type': 'llama', 'vocab_size': V, 'hidden_size': d, 'num_attention_heads': H, 'num_key_value_heads': G,
         'head_dim': hd, 'num_hidden_layers': L, 'intermediate_size': ff, 'rms_norm_eps': 1e-6, 'max_position_embeddings': 64,
         'hidden_act': 'silu', 'tie_word_embeddings': tied, 'rope_theta': 10000.0, 'torch_dtype': 'float32'}
    return f32(W), c

def make_bert(rng, V=24, d=16, H=4, L=2, P=12, ff=32):
    b = 'bert.'; e = b + 'embeddings.'; t = 'cls.predictions.'
    W = {e+'word_embeddings.weight': rnd(rng, V, d), e+'position_embeddings.weight': rnd(rng, P, d),
         e+'token_type_embeddings.weight': rnd(rng, 2, d), e+'LayerNorm.weight': 1 + rnd(rng, d, scale=0.1),
         e+'LayerNorm.bias': rnd(rng, d, scale=0.1), t+'bias': rnd(rng, V, scale=0.1),
         t+'transform.dense.weight': rnd(rng, d, d), t+'transform.dense.bias': rnd(rng, d, scale=0.1),
         t+'transform.LayerNorm.weight': 1 + rnd(rng, d, scale=0.1), t+'transform.LayerNorm.bias': rnd(rng, d, scale=0.1)}
    for i in range(L):
        p = f'{b}encoder.layer.{i}.'
        for n in ('query', 'key', 'value'):
            W[p+f'attention.self.{n}.weight'] = rnd(rng, d, d); W[p+f'attention.self.{n}.bias'] = rnd(rng, d, scale=0.1)
        W.update({p+'attention.output.dense.weight': rnd(rng, d, d), p+'attention.output.dense.bias': rnd(rng, d, scale=0.1),
                  p+'attention.output.LayerNorm.weight': 1 + rnd(rng, d, scale=0.1), p+'attention.output.LayerNorm.bias': rnd(rng, d, scale=0.1),
                  p+'intermediate.dense.weight': rnd(rng, ff, d), p+'intermediate.dense.bias': rnd(rng, ff, scale=0.1),
                  p+'output.dense.weight': rnd(rng, d, ff), p+'output.dense.bias': rnd(rng, d, scale=0.1),
                  p+'output.LayerNorm.weight': 1 + rnd(rng, d, scale=0.1), p+'output.LayerNorm.bias': rnd(rng, d, scale=0.1)})
    c = {'model_type': 'bert', 'vocab_size': V, 'hidden_size': d, 'num_attention_heads': H, 'num_hidden_layers': L,
         'intermediate_size': ff, 'max_position_embeddings': P, 'type_vocab_size': 2, 'layer_norm_eps': 1e-12,
         'hidden_act': 'gelu', 'tie_word_embeddings': True, 'torch_dtype': 'float32'}
    return f32(W), c

# ---------------------------------------------------------------- HyperCloning (OPERATORS.md §1.2, §1.4, §1.6, §2.2)
def tile_vec(v, n): return np.tile(v, n)
def tile_heads_rows(W, n):          # (heads*hd, in) -> rows repeated block-wise [h0..hH-1, h0..hH-1]
    return np.tile(W, (n, 1))
def clone_matrix(W, n_out, n_in):   # torch Linear (out, in): repeat + divide by input repeat
    return np.tile(W, (n_out, n_in)) / n_in

def hyperclone(W, c, n, untie=False):
    fam = c['model_type']; W = f64(W); out = {}
    tied = c.get('tie_word_embeddings', True)
    keep_tied = tied and not untie
    if fam == 'gpt2':
        d = c['n_embd']
        for k, v in W.items():
            if k in ('wte.weight', 'wpe.weight'): out[k] = np.tile(v, (1, n))
            elif k == 'ln_f.weight' or k == 'ln_f.bias': out[k] = tile_vec(v, n) / (n if keep_tied else 1)
            elif k.endswith(('ln_1.weight', 'ln_1.bias', 'ln_2.weight', 'ln_2.bias')): out[k] = tile_vec(v, n)
            elif k.endswith('attn.c_attn.weight'):   # Conv1D (in, 3d): tile Q, K, V blocks separately
                out[k] = np.concatenate([np.tile(v[:, j*d:(j+1)*d], (n, n)) / n for j in range(3)], 1)
            elif k.endswith('attn.c_attn.bias'):
                out[k] = np.concatenate([np.tile(v[j*d:(j+1)*d], n) for j in range(3)])
            elif k.endswith('.weight'): out[k] = np.tile(v, (n, n)) / n      # Conv1D (in, out)
            elif k.endswith('.bias'): out[k] = tile_vec(v, n)
        if tied and untie: out['lm_head.weight'] = np.tile(W['wte.weight'], (1, n)) / n
    elif fam == 'llama':
        m = 'model.'
        for k, v in W.items():
            if k == m + 'embed_tokens.weight': out[k] = np.tile(v, (1, n))
            elif k == m + 'norm.weight': out[k] = tile_vec(v, n) / (n if keep_tied else 1)
            elif k.endswith('layernorm.weight'): out[k] = tile_vec(v, n)
            elif k == 'lm_head.weight': out[k] = clone_matrix(v, 1, n)
            else: out[k] = clone_matrix(v, n, n)     # q/k/v rows = heads tiled block-wise; o, gate, up, down
        if tied and untie: out['lm_head.weight'] = clone_matrix(W[m+'embed_tokens.weight'], 1, n)
    elif fam == 'bert':
        for k, v in W.items():
            if k.endswith('_embeddings.weight'): out[k] = np.tile(v, (1, n))
            elif k == 'cls.predictions.bias': out[k] = v
            elif k.startswith('cls.predictions.transform.LayerNorm'): out[k] = tile_vec(v, n) / (n if keep_tied else 1)
            elif v.ndim == 1: out[k] = tile_vec(v, n)
            else: out[k] = clone_matrix(v, n, n)
    return f32(out), grow_config(c, n, n, 1, tied=(False if (tied and untie) else None))

def grow_config(c, n_width, n_heads, depth_factor=1, layers=None, eps=None, hidden=None, heads=None, kv=None, ffn=None, tied=None):
    c = dict(c); fam = c['model_type']
    if fam == 'gpt2':
        c['n_embd'] = hidden or c['n_embd'] * n_width; c['n_head'] = heads or c['n_head'] * n_heads
        c['n_inner'] = ffn or c['n_inner'] * n_width; c['n_layer'] = layers or c['n_layer']
        if eps: c['layer_norm_epsilon'] = eps
    else:
        c['hidden_size'] = hidden or c['hidden_size'] * n_width
        c['num_attention_heads'] = heads or c['num_attention_heads'] * n_heads
        if 'num_key_value_heads' in c: c['num_key_value_heads'] = kv or c['num_key_value_heads'] * n_heads
        c['intermediate_size'] = ffn or c['intermediate_size'] * n_width
        c['num_hidden_layers'] = layers or c['num_hidden_layers']
        if eps: c['rms_norm_eps' if fam == 'llama' else 'layer_norm_eps'] = eps
    if tied is not None: c['tie_word_embeddings'] = tied
    return c

# ---------------------------------------------------------------- LEMON (OPERATORS.md §1.3, §2.1)
def lemon(W, c, D, L_t, rng, spread=0.5, cancel_std=0.02, residue_std=0.02):
    """LEMON width D = k*d + r (heads at fixed head_dim, FFN scaled, circular copies) and depth L_t <= 2L.
    Our own randomness (numpy), so only the function is compared with Java, not the weights."""
    fam = c['model_type']; W = f64(W)
    d = c['n_embd'] if fam == 'gpt2' else c['hidden_size']
    H = c['n_head'] if fam == 'gpt2' else c['num_attention_heads']
    G = H if fam == 'gpt2' else c['num_key_value_heads']
    ff = c['n_inner'] if fam == 'gpt2' else c['intermediate_size']
    L = c['n_layer'] if fam == 'gpt2' else c['num_hidden_layers']
    hd = d // H; k, r = D // d, D % d
    H2 = D // hd if fam == 'gpt2' else H * D // d; G2 = H2 * G // H; ff2 = round(ff * D / d)
    use_mean = fam == 'gpt2'                     # LayerNorm: average residue; RMSNorm: zero residue
    hid = [t % d for t in range(k * d)]          # hidden copies; residue indices k*d..D-1
    heads = [t % H for t in range(H2)]; kvh = [t % G for t in range(G2)]; ffm = [t % ff for t in range(ff2)]
    ch = lambda hm: [hm[t // hd] * hd + t % hd for t in range(len(hm) * hd)]
    qc, kc, fc = ch(heads), ch(kvh), ffm

    def out_rows(M, idx):                        # writer to residual: rows (axis 0) copies + residue
        res = M.mean(0, keepdims=True) if use_mean else np.zeros((1,) + M.shape[1:])
        return np.concatenate([M[idx]] + [res] * r, 0) if idx is hid else M[idx]
    def split_cols(M, idx, cancel=False):        # fan-in (axis 1) of copies: unequal splits summing to M
        src = M[:, idx]; out = np.empty_like(src)
        groups = {}
        for t, s in enumerate(idx): groups.setdefault(s, []).append(t)
        for s, ts in groups.items():
            m = len(ts); u = rng.uniform(-1, 1, (M.shape[0], m)); u -= u.mean(1, keepdims=True)
            if cancel: out[:, ts] = (cancel_std * np.sqrt(3) * u) if m > 1 else 0
            else: out[:, ts] = M[:, [s]] * (1 + spread * u) / m
        if idx is hid and r:
            out = np.concatenate([out, rng.normal(0, residue_std, (M.shape[0], r))], 1)
        return out
    def vec(v, idx, fill=0.0):
        if idx is hid:
            res = v.mean() if (use_mean and fill is None) else (fill or 0.0)
            return np.concatenate([v[idx], np.full(r, res)])
        return v[idx]
    ratio = k * d / D; gs = np.sqrt(ratio)
    tied = c.get('tie_word_embeddings', True)
    # depth map: first 2L - L_t layers 1:1, then each source layer followed by a cancelling copy
    n0 = 2 * L - L_t; depth = []
    for s in range(L):
        depth.append((s, False))
        if s >= n0: depth.append((s, True))
    out = {}
    if fam == 'gpt2':
        conv = lambda M, in_idx, out_idx, cancel=False, writer=False: (   # Conv1D (in, out) = Linear^T
            out_rows(split_cols(M.T, in_idx, cancel), out_idx).T if writer else split_cols(M.T[out_idx], in_idx).T)
        for name in ('wte.weight', 'wpe.weight'):
            out[name] = out_rows(W[name].T, hid).T
        out['ln_f.weight'] = vec(W['ln_f.weight'], hid, 1.0) * np.r_[np.full(k*d, gs / k), np.ones(r)]
        out['ln_f.bias'] = vec(W['ln_f.bias'], hid, 0.0) / k
        for t, (s, new) in enumerate(depth):
            p, q = f'h.{t}.', f'h.{s}.'
            for n in ('ln_1', 'ln_2'):
                out[p+n+'.weight'] = vec(W[q+n+'.weight'], hid, 1.0) * np.r_[np.full(k*d, gs), np.ones(r)]
                out[p+n+'.bias'] = vec(W[q+n+'.bias'], hid, 0.0)
            A = W[q+'attn.c_attn.weight']; b = W[q+'attn.c_attn.bias']
            out[p+'attn.c_attn.weight'] = np.concatenate([conv(A[:, j*d:(j+1)*d], hid, qc) for j in range(3)], 1)
            out[p+'attn.c_attn.bias'] = np.concatenate([b[j*d:(j+1)*d][qc] for j in range(3)])
            out[p+'attn.c_proj.weight'] = conv(W[q+'attn.c_proj.weight'], qc, hid, new, True)
            out[p+'mlp.c_fc.weight'] = conv(W[q+'mlp.c_fc.weight'], hid, fc)
            out[p+'mlp.c_fc.bias'] = W[q+'mlp.c_fc.bias'][fc]
            out[p+'mlp.c_proj.weight'] = conv(W[q+'mlp.c_proj.weight'], fc, hid, new, True)
            for n in ('attn.c_proj.bias', 'mlp.c_proj.bias'):
                out[p+n] = np.zeros(D) if new else vec(W[q+n], hid, None)
        c2 = grow_config(c, 1, 1, hidden=D, heads=H2, ffn=ff2, layers=L_t, eps=c['layer_norm_epsilon'] * ratio)
    else:
        m = 'model.'
        out[m+'embed_tokens.weight'] = out_rows(W[m+'embed_tokens.weight'].T, hid).T
        fin = gs / (k if tied else 1)
        out[m+'norm.weight'] = vec(W[m+'norm.weight'], hid, 1.0) * np.r_[np.full(k*d, fin), np.ones(r)]
        if not tied: out['lm_head.weight'] = split_cols(W['lm_head.weight'], hid)
        for t, (s, new) in enumerate(depth):
            p, q = f'{m}layers.{t}.', f'{m}layers.{s}.'
            for n in ('input_layernorm', 'post_attention_layernorm'):
                out[p+n+'.weight'] = vec(W[q+n+'.weight'], hid, 1.0) * np.r_[np.full(k*d, gs), np.ones(r)]
            out[p+'self_attn.q_proj.weight'] = split_cols(W[q+'self_attn.q_proj.weight'][qc], hid)
            out[p+'self_attn.k_proj.weight'] = split_cols(W[q+'self_attn.k_proj.weight'][kc], hid)
            out[p+'self_attn.v_proj.weight'] = split_cols(W[q+'self_attn.v_proj.weight'][kc], hid)
            out[p+'self_attn.o_proj.weight'] = out_rows(split_cols(W[q+'self_attn.o_proj.weight'], qc, new), hid)
            out[p+'mlp.gate_proj.weight'] = split_cols(W[q+'mlp.gate_proj.weight'][fc], hid)
            out[p+'mlp.up_proj.weight'] = split_cols(W[q+'mlp.up_proj.weight'][fc], hid)
            out[p+'mlp.down_proj.weight'] = out_rows(split_cols(W[q+'mlp.down_proj.weight'], fc, new), hid)
        c2 = grow_config(c, 1, 1, hidden=D, heads=H2, kv=G2, ffn=ff2, layers=L_t, eps=c['rms_norm_eps'] * ratio)
    return f32(out), c2

# ---------------------------------------------------------------- depth: identity blocks, stacking
def layer_key(fam):
    return {'gpt2': 'h.', 'llama': 'model.layers.', 'bert': 'bert.encoder.layer.'}[fam]
def nlayers(c): return c['n_layer'] if c['model_type'] == 'gpt2' else c['num_hidden_layers']
WRITERS = {'gpt2': ('attn.c_proj.', 'mlp.c_proj.'), 'llama': ('self_attn.o_proj.', 'mlp.down_proj.'),
           'bert': ('attention.output.dense.', 'output.dense.')}

def relayer(W, c, plan):
    """plan: list of (source layer, zero_outputs) per target layer."""
    fam = c['model_type']; lk = layer_key(fam); out = {}
    for k, v in W.items():
        if not k.startswith(lk): out[k] = v
    for t, (s, zero) in enumerate(plan):
        pre = f'{lk}{s}.'
        for k, v in W.items():
            if k.startswith(pre):
                local = k[len(pre):]
                out[f'{lk}{t}.{local}'] = np.zeros_like(v) if zero and local.startswith(WRITERS[fam]) else v
    return out, grow_config(c, 1, 1, layers=len(plan))

def identity_plan(L, L_t):             # n new blocks spread evenly, each after source block ceil((j+1)L/n)-1
    n = L_t - L; after = [0] * L
    for j in range(n): after[-(-(j + 1) * L // n) - 1] += 1
    plan = []
    for s in range(L): plan += [(s, False)] + [(s, True)] * after[s]
    return plan

def stack_plan(L, L_t):                # [0..L-1]*q then the top r layers
    q, r = divmod(L_t, L)
    return [(t % L, False) for t in range(q * L)] + [(L - r + j, False) for j in range(r)]

# ---------------------------------------------------------------- copy + pad (zeros)
def pad_zeros(W, c, D):
    fam = c['model_type']; W = f64(W)
    d = c['n_embd'] if fam == 'gpt2' else c['hidden_size']
    H = c['n_head'] if fam == 'gpt2' else c['num_attention_heads']; hd = d // H
    ff = c['n_inner'] if fam == 'gpt2' else c['intermediate_size']
    H2 = D // hd; ff2 = round(ff * D / d); G = c.get('num_key_value_heads', H); G2 = H2 * G // H
    def place(v, shape):
        z = np.zeros(shape); z[tuple(slice(0, s) for s in v.shape)] = v; return z
    def grow_dim(n):                    # which target length a source length becomes
        return {d: D, ff: ff2, G * hd: G2 * hd, H * hd: H2 * hd}.get(n, n)
    out = {}
    for k, v in W.items():
        if fam == 'gpt2' and k.endswith('c_attn.weight'):
            out[k] = np.concatenate([place(v[:, j*d:(j+1)*d], (D, D)) for j in range(3)], 1)
        elif fam == 'gpt2' and k.endswith('c_attn.bias'):
            out[k] = np.concatenate([place(v[j*d:(j+1)*d], (D,)) for j in range(3)])
        elif k.endswith(('embeddings.weight', 'wte.weight', 'wpe.weight', 'embed_tokens.weight', 'lm_head.weight')):
            out[k] = place(v, (v.shape[0], D))
        elif v.ndim == 1 and ('ln_' in k or 'norm' in k or 'LayerNorm' in k) and k.endswith('weight'):
            out[k] = np.concatenate([v, np.ones(grow_dim(len(v)) - len(v))])     # new gains 1
        elif k == 'cls.predictions.bias': out[k] = v
        else: out[k] = place(v, tuple(grow_dim(n) for n in v.shape))
    return f32(out), grow_config(c, 1, 1, hidden=D, heads=H2, kv=G2 if 'num_key_value_heads' in c else None, ffn=ff2)

# ---------------------------------------------------------------- unshare
def albert_unshare(W, L, G):
    out = {}; pat = 'albert.encoder.albert_layer_groups.'
    for k, v in W.items():
        if not k.startswith(pat): out[k] = v
    for l in range(L):
        g = int(l / (L / G))
        for k, v in W.items():
            if k.startswith(f'{pat}{g}.'):
                out[f'{pat}{l}.' + k[len(f'{pat}{g}.'):]] = v
    return out

def make_albert_tensors(rng, V=20, E=8, d=16, ff=32, G=2):
    a = 'albert.'; W = {a+'embeddings.word_embeddings.weight': rnd(rng, V, E), a+'embeddings.position_embeddings.weight': rnd(rng, 12, E),
                        a+'embeddings.token_type_embeddings.weight': rnd(rng, 2, E), a+'embeddings.LayerNorm.weight': 1 + rnd(rng, E, scale=0.1),
                        a+'embeddings.LayerNorm.bias': rnd(rng, E, scale=0.1), a+'encoder.embedding_hidden_mapping_in.weight': rnd(rng, d, E),
                        a+'encoder.embedding_hidden_mapping_in.bias': rnd(rng, d, scale=0.1)}
    for g in range(G):
        p = f'{a}encoder.albert_layer_groups.{g}.albert_layers.0.'
        for n in ('query', 'key', 'value', 'dense'):
            W[p+f'attention.{n}.weight'] = rnd(rng, d, d); W[p+f'attention.{n}.bias'] = rnd(rng, d, scale=0.1)
        W.update({p+'attention.LayerNorm.weight': 1 + rnd(rng, d, scale=0.1), p+'attention.LayerNorm.bias': rnd(rng, d, scale=0.1),
                  p+'ffn.weight': rnd(rng, ff, d), p+'ffn.bias': rnd(rng, ff, scale=0.1), p+'ffn_output.weight': rnd(rng, d, ff),
                  p+'ffn_output.bias': rnd(rng, d, scale=0.1), p+'full_layer_layer_norm.weight': 1 + rnd(rng, d, scale=0.1),
                  p+'full_layer_layer_norm.bias': rnd(rng, d, scale=0.1)})
    return f32(W)

# ---------------------------------------------------------------- cases
def main():
    ap = argparse.ArgumentParser(); here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument('--out', default=os.path.join(here, '..', 'resources', 'ops'))
    args = ap.parse_args(); os.makedirs(args.out, exist_ok=True)
    rows = []

    def case(name, fam, src, csrc, grown, cgrown, exact, expected=True, write=True):
        ids = np.random.default_rng(99).integers(0, csrc['vocab_size'], 7)
        a = FORWARD[fam](src, csrc, ids); b = FORWARD[fam](grown, cgrown, ids)
        err = float(np.abs(a - b).max()); scale = float(np.abs(a).max())
        rows.append((name, fam, err, err / scale, exact))
        if write:
            d = os.path.join(args.out, name); os.makedirs(d, exist_ok=True)
            save_st(os.path.join(d, 'source.safetensors'), src)
            if expected: save_st(os.path.join(d, 'expected.safetensors'), grown)
            save_st(os.path.join(d, 'logits.safetensors'), {'ids': ids.astype(np.float32), 'source_logits': a, 'grown_logits': b})
            json.dump(csrc, open(os.path.join(d, 'config.json'), 'w'), indent=1)
            json.dump(cgrown, open(os.path.join(d, 'grown_config.json'), 'w'), indent=1)

    rng = np.random.default_rng(7)
    g, gc = make_gpt2(rng)
    l, lc = make_llama(rng)
    lt, ltc = make_llama(rng, tied=True)
    bb, bc = make_bert(rng)
    # (1) HyperCloning, deterministic: expected weights written
    case('hyperclone-gpt2-x2', 'gpt2', g, gc, *hyperclone(g, gc, 2), True)
    case('hyperclone-gpt2-x2-untie', 'gpt2', g, gc, *hyperclone(g, gc, 2, untie=True), True)
    case('hyperclone-llama-gqa-x2', 'llama', l, lc, *hyperclone(l, lc, 2), True)
    case('hyperclone-llama-tied-x3', 'llama', lt, ltc, *hyperclone(lt, ltc, 3), True)
    case('hyperclone-bert-x2', 'bert', bb, bc, *hyperclone(bb, bc, 2), True)
    # (2) LEMON, numpy's own random splits: function only
    lr = np.random.default_rng(11)
    case('lemon-gpt2-16to24-L3', 'gpt2', g, gc, *lemon(g, gc, 24, 3, lr), True, expected=False, write=False)
    case('lemon-gpt2-16to32-L4', 'gpt2', g, gc, *lemon(g, gc, 32, 4, lr), True, expected=False, write=False)
    case('lemon-llama-gqa-16to24-L3', 'llama', l, lc, *lemon(l, lc, 24, 3, lr), True, expected=False, write=False)
    case('lemon-llama-tied-16to40-L4', 'llama', lt, ltc, *lemon(lt, ltc, 40, 4, lr), True, expected=False, write=False)
    # (3) depth and pad
    for fam, (W, c) in (('gpt2', (g, gc)), ('llama', (l, lc)), ('bert', (bb, bc))):
        pw, pc = relayer(W, c, identity_plan(2, 5))
        case(f'identity-depth-{fam}-L5', fam, W, c, f32(pw), pc, fam != 'bert')
        sw, sc = relayer(W, c, stack_plan(2, 5))
        case(f'stack-{fam}-L5', fam, W, c, f32(sw), sc, False)
        zw, zc = pad_zeros(W, c, 24)
        case(f'pad-zeros-{fam}-16to24', fam, W, c, zw, zc, False)
    # (4) unshare: gpt2 with the graft_shared_layers marker; ALBERT tensors
    shared = {k: v for k, v in g.items() if not k.startswith('h.1.')}
    full = dict(shared); full.update({'h.1.' + k[4:]: v for k, v in g.items() if k.startswith('h.0.')})
    sc = dict(gc, graft_shared_layers=[[0, 1]])
    d = os.path.join(args.out, 'unshare-gpt2'); os.makedirs(d, exist_ok=True)
    save_st(os.path.join(d, 'source.safetensors'), shared); save_st(os.path.join(d, 'expected.safetensors'), full)
    json.dump(sc, open(os.path.join(d, 'config.json'), 'w'), indent=1)
    rows.append(('unshare-gpt2 (shared [[0,1]])', 'gpt2',
                 float(np.abs(gpt2_forward({**shared, **{'h.1.' + k[4:]: v for k, v in shared.items() if k.startswith('h.0.')}}, gc, np.arange(5))
                              - gpt2_forward(full, gc, np.arange(5))).max()), 0.0, True))
    al = make_albert_tensors(np.random.default_rng(5))
    d = os.path.join(args.out, 'unshare-albert'); os.makedirs(d, exist_ok=True)
    save_st(os.path.join(d, 'source.safetensors'), al); save_st(os.path.join(d, 'expected.safetensors'), f32(albert_unshare(al, 4, 2)))
    json.dump({'model_type': 'albert', 'num_hidden_layers': 4, 'num_hidden_groups': 2, 'inner_group_num': 1, 'hidden_size': 16,
               'embedding_size': 8, 'intermediate_size': 32, 'num_attention_heads': 4, 'vocab_size': 20}, open(os.path.join(d, 'config.json'), 'w'), indent=1)

    lines = ['| case | family | exact by construction | max abs dlogit (numpy, float64) | relative to max abs logit |',
             '|---|---|---|---|---|']
    for name, fam, err, rel, exact in rows:
        lines.append(f'| {name} | {fam} | {"yes" if exact else "no"} | {err:.2e} | {rel:.2e} |')
    text = '\n'.join(lines); print(text)
    open(os.path.join(args.out, 'results.md'), 'w').write(text + '\n')
    bad = [r for r in rows if r[4] and r[3] > 1e-6]
    if bad: raise SystemExit(f'function not preserved: {bad}')

if __name__ == '__main__':
    main()
