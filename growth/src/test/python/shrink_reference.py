#!/usr/bin/env python3
"""Independent numpy reference for Graft's shrink operators (growth.ops.Shrinking).

Written from research/OPERATORS.md §2.6 (weight subcloning, arXiv 2312.09299), §2.7 (weight
selection, arXiv 2311.18823) and §2.10 (Minitron block importance), not from the Java code.

* subclone: importance = mean |activation| over all calibration tokens, from this file's own float64
  forward pass with taps: residual channels = sum over every point of the residual stream of mean
  |value| -- pre-LN gpt2/llama: the stream's writers (embeddings, attention output projection, FFN
  down projection of every block); post-LN bert: the stream itself, i.e. the output of the
  embedding LayerNorm and of both LayerNorms of every block (what the sublayers add is
  re-normalised there, so their raw outputs are not the stream); heads = mean |softmax·V|
  over the head's channels; a GQA KV group = sum of its query heads; FFN neurons = mean |input of the
  down projection|. Sort descending (stable: ties keep the lower index first), keep the first.
  Blocks removed from the middle: drop [L'//2, L'//2 + L - L'). Every weight matrix whose input
  axis shrinks is multiplied by sqrt(in / in'); norms, biases and embeddings are not.
* magnitude: the same keep-and-rescale with weight sums of squares as scores (see WeightMagnitude).
* select: uniform_element_selection's indices (arange(s)*(n/s) if s divides n, else
  round(linspace(0, n-1, s))) on the hidden and FFN axes and on the KV-group axis (whole heads:
  Graft keeps head_dim, the paper's code selects elements inside heads too), the first L' layers,
  no rescale.

Writes per case under growth/src/test/resources/shrink/<case>/: config.json, source.safetensors,
calibration.txt (one sequence of token ids per line), expected.safetensors (F32),
importance.safetensors (F64 scores and chosen indices) and results.md (relative |dlogit| of each
shrunk model on held-out tokens).

Usage: python3 shrink_reference.py [--out DIR]
"""
import argparse, json, os, sys
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ops_reference import (save_st, f32, f64, ln, rms, gelu_new, gelu, silu, softmax, rope,
                           make_gpt2, make_llama, make_bert, FORWARD)

# ---------------------------------------------------------------- forward with taps (float64)
def heads_out(q, k, v, H, G, hd, causal, use_rope):
    T = q.shape[0]; outs = []
    for i in range(H):
        g = i // (H // G)
        qi, ki, vi = q[:, i*hd:(i+1)*hd], k[:, g*hd:(g+1)*hd], v[:, g*hd:(g+1)*hd]
        if use_rope: qi, ki = rope(qi), rope(ki)
        s = qi @ ki.T / np.sqrt(hd)
        if causal: s = s + np.triu(np.full((T, T), -1e30), 1)
        outs.append(softmax(s) @ vi)
    return np.concatenate(outs, -1)

class Tap:
    def __init__(self, c, fam):
        d, L, H, ff = dims(c, fam)
        self.hidden = np.zeros(d); self.heads = np.zeros((L, H)); self.ffn = np.zeros((L, ff))
        self.blocks = np.zeros(L); self.rows = 0; self.hd = d // H if fam != 'llama' else c['head_dim']
    def write(self, x): self.hidden += np.abs(x).sum(0)
    def head(self, l, o): self.heads[l] += np.abs(o).sum(0).reshape(-1, self.hd).sum(1)
    def neuron(self, l, m): self.ffn[l] += np.abs(m).sum(0)
    def block(self, l, a, b):
        cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        self.blocks[l] += (1 - cos).sum()

def dims(c, fam):
    if fam == 'gpt2': return c['n_embd'], c['n_layer'], c['n_head'], c['n_inner']
    return c['hidden_size'], c['num_hidden_layers'], c['num_attention_heads'], c['intermediate_size']

def gpt2_tap(P, c, ids, tap):
    d, H, L, eps = c['n_embd'], c['n_head'], c['n_layer'], c['layer_norm_epsilon']; hd = d // H
    P = f64(P); h = P['wte.weight'][ids] + P['wpe.weight'][:len(ids)]; tap.write(h)
    for i in range(L):
        p = f'h.{i}.'; h0 = h
        x = ln(h, P[p+'ln_1.weight'], P[p+'ln_1.bias'], eps)
        qkv = x @ P[p+'attn.c_attn.weight'] + P[p+'attn.c_attn.bias']
        o = heads_out(qkv[:, :d], qkv[:, d:2*d], qkv[:, 2*d:], H, H, hd, True, False); tap.head(i, o)
        a = o @ P[p+'attn.c_proj.weight'] + P[p+'attn.c_proj.bias']; tap.write(a); h = h + a
        x = ln(h, P[p+'ln_2.weight'], P[p+'ln_2.bias'], eps)
        m = gelu_new(x @ P[p+'mlp.c_fc.weight'] + P[p+'mlp.c_fc.bias']); tap.neuron(i, m)
        f = m @ P[p+'mlp.c_proj.weight'] + P[p+'mlp.c_proj.bias']; tap.write(f); h = h + f
        tap.block(i, h0, h)

def llama_tap(P, c, ids, tap):
    H, G, L, eps, hd = c['num_attention_heads'], c['num_key_value_heads'], c['num_hidden_layers'], c['rms_norm_eps'], c['head_dim']
    P = f64(P); m_ = 'model.'; h = P[m_+'embed_tokens.weight'][ids]; tap.write(h)
    for i in range(L):
        p = f'{m_}layers.{i}.'; h0 = h
        x = rms(h, P[p+'input_layernorm.weight'], eps)
        o = heads_out(x @ P[p+'self_attn.q_proj.weight'].T, x @ P[p+'self_attn.k_proj.weight'].T,
                      x @ P[p+'self_attn.v_proj.weight'].T, H, G, hd, True, True); tap.head(i, o)
        a = o @ P[p+'self_attn.o_proj.weight'].T; tap.write(a); h = h + a
        x = rms(h, P[p+'post_attention_layernorm.weight'], eps)
        m = silu(x @ P[p+'mlp.gate_proj.weight'].T) * (x @ P[p+'mlp.up_proj.weight'].T); tap.neuron(i, m)
        f = m @ P[p+'mlp.down_proj.weight'].T; tap.write(f); h = h + f
        tap.block(i, h0, h)

def bert_tap(P, c, ids, tap):
    d, H, L, eps = c['hidden_size'], c['num_attention_heads'], c['num_hidden_layers'], c['layer_norm_eps']
    hd = d // H; P = f64(P); b = 'bert.'; e = b + 'embeddings.'
    h = P[e+'word_embeddings.weight'][ids] + P[e+'position_embeddings.weight'][:len(ids)] + P[e+'token_type_embeddings.weight'][0]
    h = ln(h, P[e+'LayerNorm.weight'], P[e+'LayerNorm.bias'], eps); tap.write(h)
    lin = lambda x, n: x @ P[n+'.weight'].T + P[n+'.bias']
    for i in range(L):
        p = f'{b}encoder.layer.{i}.'; h0 = h
        o = heads_out(lin(h, p+'attention.self.query'), lin(h, p+'attention.self.key'), lin(h, p+'attention.self.value'), H, H, hd, False, False)
        tap.head(i, o)
        a = lin(o, p+'attention.output.dense')
        h = ln(h + a, P[p+'attention.output.LayerNorm.weight'], P[p+'attention.output.LayerNorm.bias'], eps)
        tap.write(h)  # post-LN: the stream is each LayerNorm's output, not what the sublayers add
        m = gelu(lin(h, p+'intermediate.dense')); tap.neuron(i, m)
        f = lin(m, p+'output.dense')
        h = ln(h + f, P[p+'output.LayerNorm.weight'], P[p+'output.LayerNorm.bias'], eps); tap.write(h)
        tap.block(i, h0, h)

TAP = {'gpt2': gpt2_tap, 'llama': llama_tap, 'bert': bert_tap}

def activation_importance(fam, P, c, seqs):
    tap = Tap(c, fam)
    for s in seqs:
        TAP[fam](P, c, np.asarray(s), tap); tap.rows += len(s)
    n = tap.rows
    return {'hidden': tap.hidden / n, 'heads': tap.heads / (n * tap.hd), 'ffn': tap.ffn / n, 'blocks': tap.blocks / n}

# ---------------------------------------------------------------- weight magnitude (sums of squares)
def magnitude_importance(fam, P, c):
    d, L, H, ff = dims(c, fam); P = f64(P)
    hid = np.zeros(d); heads = np.zeros((L, H)); neu = np.zeros((L, ff))
    sq = lambda W, axis: (W ** 2).sum(axis)
    if fam == 'gpt2':
        hd = d // H
        hid += sq(P['wte.weight'], 0) + sq(P['wpe.weight'], 0)
        for i in range(L):
            p = f'h.{i}.'; W = P[p+'attn.c_attn.weight']      # (in, 3d)
            hid += sq(W, 1); cols = sq(W, 0)
            heads[i] += (cols[:d] + cols[d:2*d] + cols[2*d:]).reshape(H, hd).sum(1)
            O = P[p+'attn.c_proj.weight']; hid += sq(O, 0); heads[i] += sq(O, 1).reshape(H, hd).sum(1)
            F = P[p+'mlp.c_fc.weight']; hid += sq(F, 1); neu[i] += sq(F, 0)
            D = P[p+'mlp.c_proj.weight']; neu[i] += sq(D, 1); hid += sq(D, 0)
    elif fam == 'llama':
        G, hd = c['num_key_value_heads'], c['head_dim']; r = H // G; m = 'model.'
        hid += sq(P[m+'embed_tokens.weight'], 0)
        if not c['tie_word_embeddings']: hid += sq(P['lm_head.weight'], 0)
        for i in range(L):
            p = f'{m}layers.{i}.'
            Q = P[p+'self_attn.q_proj.weight']; K = P[p+'self_attn.k_proj.weight']; V = P[p+'self_attn.v_proj.weight']
            O = P[p+'self_attn.o_proj.weight']
            hid += sq(Q, 0) + sq(K, 0) + sq(V, 0) + sq(O, 1)
            kv = (sq(K, 1) + sq(V, 1)).reshape(G, hd).sum(1)
            heads[i] += sq(Q, 1).reshape(H, hd).sum(1) + sq(O, 0).reshape(H, hd).sum(1) + np.repeat(kv / r, r)
            for n in ('gate_proj', 'up_proj'):
                W = P[p+f'mlp.{n}.weight']; hid += sq(W, 0); neu[i] += sq(W, 1)
            D = P[p+'mlp.down_proj.weight']; hid += sq(D, 1); neu[i] += sq(D, 0)
    else:
        hd = d // H; e = 'bert.embeddings.'
        hid += sq(P[e+'word_embeddings.weight'], 0) + sq(P[e+'position_embeddings.weight'], 0) + sq(P[e+'token_type_embeddings.weight'], 0)
        for i in range(L):
            p = f'bert.encoder.layer.{i}.'; rows = np.zeros(d)
            for n in ('query', 'key', 'value'):
                W = P[p+f'attention.self.{n}.weight']; hid += sq(W, 0); rows += sq(W, 1)
            O = P[p+'attention.output.dense.weight']; hid += sq(O, 1)
            heads[i] += (rows + sq(O, 0)).reshape(H, hd).sum(1)
            F = P[p+'intermediate.dense.weight']; hid += sq(F, 0); neu[i] += sq(F, 1)
            D = P[p+'output.dense.weight']; hid += sq(D, 1); neu[i] += sq(D, 0)
    return {'hidden': hid, 'heads': heads, 'ffn': neu, 'blocks': None}

# ---------------------------------------------------------------- index choices
def top(scores, k): return np.argsort(-np.asarray(scores), kind='stable')[:k]
def evenly(n, s):                                      # weight_selection.py uniform_element_selection
    return np.arange(s) * (n // s) if n % s == 0 else np.round(np.linspace(0, n - 1, s)).astype(int)
def middle_layers(L, Lt):
    start = Lt // 2; drop = L - Lt
    return [s for s in range(L) if s < start or s >= start + drop]

def choose(op, fam, c, imp, hidden, layers, ffn, kv):
    d, L, H, ff = dims(c, fam)
    G = c.get('num_key_value_heads', H); r = H // G
    if op == 'select':
        ch = {'hidden': evenly(d, hidden), 'layers': list(range(layers))}
        for s in range(L): ch[f'groups.{s}'] = evenly(G, kv); ch[f'ffn.{s}'] = evenly(ff, ffn)
    else:
        ch = {'hidden': top(imp['hidden'], hidden), 'layers': middle_layers(L, layers)}
        for s in range(L):
            ch[f'groups.{s}'] = top(imp['heads'][s].reshape(G, r).sum(1), kv)
            ch[f'ffn.{s}'] = top(imp['ffn'][s], ffn)
    return ch

# ---------------------------------------------------------------- applying the choices
def per_head(groups, width):  # channels of the kept groups, each whole
    return np.concatenate([np.arange(g * width, (g + 1) * width) for g in groups])

def shrink(fam, P, c, ch, rescale):
    d, L, H, ff = dims(c, fam)
    G = c.get('num_key_value_heads', H); r = H // G
    hd = c['head_dim'] if fam == 'llama' else d // H
    hi = ch['hidden']; out = {}
    def sc(n_in, n_kept): return np.sqrt(n_in / n_kept) if rescale else 1.0
    for t, s in enumerate(ch['layers']):
        gq = per_head(ch[f'groups.{s}'], r * hd)   # query channels: whole groups of r heads
        gk = per_head(ch[f'groups.{s}'], hd)       # key/value channels
        fi = ch[f'ffn.{s}']; qw, qk = H * hd, len(gq)
        if fam == 'gpt2':
            ps, pt = f'h.{s}.', f'h.{t}.'
            qkv = np.concatenate([gq, d + gq, 2 * d + gq])
            out.update({pt+'ln_1.weight': P[ps+'ln_1.weight'][hi], pt+'ln_1.bias': P[ps+'ln_1.bias'][hi],
                        pt+'ln_2.weight': P[ps+'ln_2.weight'][hi], pt+'ln_2.bias': P[ps+'ln_2.bias'][hi],
                        pt+'attn.c_attn.weight': P[ps+'attn.c_attn.weight'][np.ix_(hi, qkv)] * sc(d, len(hi)),
                        pt+'attn.c_attn.bias': P[ps+'attn.c_attn.bias'][qkv],
                        pt+'attn.c_proj.weight': P[ps+'attn.c_proj.weight'][np.ix_(gq, hi)] * sc(qw, qk),
                        pt+'attn.c_proj.bias': P[ps+'attn.c_proj.bias'][hi],
                        pt+'mlp.c_fc.weight': P[ps+'mlp.c_fc.weight'][np.ix_(hi, fi)] * sc(d, len(hi)),
                        pt+'mlp.c_fc.bias': P[ps+'mlp.c_fc.bias'][fi],
                        pt+'mlp.c_proj.weight': P[ps+'mlp.c_proj.weight'][np.ix_(fi, hi)] * sc(ff, len(fi)),
                        pt+'mlp.c_proj.bias': P[ps+'mlp.c_proj.bias'][hi]})
        elif fam == 'llama':
            ps, pt = f'model.layers.{s}.', f'model.layers.{t}.'
            out.update({pt+'input_layernorm.weight': P[ps+'input_layernorm.weight'][hi],
                        pt+'post_attention_layernorm.weight': P[ps+'post_attention_layernorm.weight'][hi],
                        pt+'self_attn.q_proj.weight': P[ps+'self_attn.q_proj.weight'][np.ix_(gq, hi)] * sc(d, len(hi)),
                        pt+'self_attn.k_proj.weight': P[ps+'self_attn.k_proj.weight'][np.ix_(gk, hi)] * sc(d, len(hi)),
                        pt+'self_attn.v_proj.weight': P[ps+'self_attn.v_proj.weight'][np.ix_(gk, hi)] * sc(d, len(hi)),
                        pt+'self_attn.o_proj.weight': P[ps+'self_attn.o_proj.weight'][np.ix_(hi, gq)] * sc(qw, qk),
                        pt+'mlp.gate_proj.weight': P[ps+'mlp.gate_proj.weight'][np.ix_(fi, hi)] * sc(d, len(hi)),
                        pt+'mlp.up_proj.weight': P[ps+'mlp.up_proj.weight'][np.ix_(fi, hi)] * sc(d, len(hi)),
                        pt+'mlp.down_proj.weight': P[ps+'mlp.down_proj.weight'][np.ix_(hi, fi)] * sc(ff, len(fi))})
        else:
            ps, pt = f'bert.encoder.layer.{s}.', f'bert.encoder.layer.{t}.'
            for n in ('query', 'key', 'value'):
                out[pt+f'attention.self.{n}.weight'] = P[ps+f'attention.self.{n}.weight'][np.ix_(gq, hi)] * sc(d, len(hi))
                out[pt+f'attention.self.{n}.bias'] = P[ps+f'attention.self.{n}.bias'][gq]
            for n in ('attention.output.LayerNorm', 'output.LayerNorm'):
                out[pt+n+'.weight'] = P[ps+n+'.weight'][hi]; out[pt+n+'.bias'] = P[ps+n+'.bias'][hi]
            out.update({pt+'attention.output.dense.weight': P[ps+'attention.output.dense.weight'][np.ix_(hi, gq)] * sc(qw, qk),
                        pt+'attention.output.dense.bias': P[ps+'attention.output.dense.bias'][hi],
                        pt+'intermediate.dense.weight': P[ps+'intermediate.dense.weight'][np.ix_(fi, hi)] * sc(d, len(hi)),
                        pt+'intermediate.dense.bias': P[ps+'intermediate.dense.bias'][fi],
                        pt+'output.dense.weight': P[ps+'output.dense.weight'][np.ix_(hi, fi)] * sc(ff, len(fi)),
                        pt+'output.dense.bias': P[ps+'output.dense.bias'][hi]})
    if fam == 'gpt2':
        out.update({'wte.weight': P['wte.weight'][:, hi], 'wpe.weight': P['wpe.weight'][:, hi],
                    'ln_f.weight': P['ln_f.weight'][hi], 'ln_f.bias': P['ln_f.bias'][hi]})
    elif fam == 'llama':
        out.update({'model.embed_tokens.weight': P['model.embed_tokens.weight'][:, hi], 'model.norm.weight': P['model.norm.weight'][hi]})
        if not c['tie_word_embeddings']: out['lm_head.weight'] = P['lm_head.weight'][:, hi] * sc(d, len(hi))
    else:
        e = 'bert.embeddings.'; t = 'cls.predictions.'
        for n in ('word_embeddings', 'position_embeddings', 'token_type_embeddings'):
            out[e+n+'.weight'] = P[e+n+'.weight'][:, hi]
        out.update({e+'LayerNorm.weight': P[e+'LayerNorm.weight'][hi], e+'LayerNorm.bias': P[e+'LayerNorm.bias'][hi],
                    t+'bias': P[t+'bias'],
                    t+'transform.dense.weight': P[t+'transform.dense.weight'][np.ix_(hi, hi)] * sc(d, len(hi)),
                    t+'transform.dense.bias': P[t+'transform.dense.bias'][hi],
                    t+'transform.LayerNorm.weight': P[t+'transform.LayerNorm.weight'][hi],
                    t+'transform.LayerNorm.bias': P[t+'transform.LayerNorm.bias'][hi]})
    return f32(out)

def shrunk_config(fam, c, hidden, layers, ffn, kv):
    c = dict(c); d, L, H, ff = dims(c, fam); r = H // c.get('num_key_value_heads', H)
    if fam == 'gpt2': c.update(n_embd=hidden, n_layer=layers, n_head=kv, n_inner=ffn)
    else:
        c.update(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=kv * r, intermediate_size=ffn)
        if fam == 'llama': c['num_key_value_heads'] = kv
    return c

# ---------------------------------------------------------------- cases
def calibration(rng, V, n, T): return [list(map(int, rng.integers(0, V, T))) for _ in range(n)]

def rel_dlogit(fam, P, c, Q, cq, seqs):
    num = den = 0.0
    for s in seqs:
        a = FORWARD[fam](P, c, np.asarray(s)); b = FORWARD[fam](Q, cq, np.asarray(s))
        num = max(num, float(np.abs(a - b).max())); den = max(den, float(np.abs(a).max()))
    return num / den

def main():
    ap = argparse.ArgumentParser(); here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument('--out', default=os.path.join(here, '..', 'resources', 'shrink'))
    args = ap.parse_args(); os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(23)
    models = {'gpt2': make_gpt2(rng, L=4), 'llama': make_llama(rng, L=4, d=16, H=4, G=2, ff=24),
              'bert': make_bert(rng, L=4)}
    # target sizes: hidden, layers, ffn, kv groups (gpt2/bert: heads = hidden / head_dim)
    sizes = {'gpt2': (8, 2, 32, 2), 'llama': (12, 3, 16, 1), 'bert': (8, 2, 16, 2)}
    rows = []
    for fam, (P, c) in models.items():
        cal = calibration(np.random.default_rng(5), c['vocab_size'], 3, 8)
        held = calibration(np.random.default_rng(6), c['vocab_size'], 4, 8)
        hidden, layers, ffn, kv = sizes[fam]
        for op in ('subclone', 'select', 'magnitude'):
            imp = activation_importance(fam, P, c, cal) if op == 'subclone' else magnitude_importance(fam, P, c) if op == 'magnitude' else None
            ch = choose(op, fam, c, imp, hidden, layers, ffn, kv)
            Q = shrink(fam, P, c, ch, op != 'select'); cq = shrunk_config(fam, c, hidden, layers, ffn, kv)
            name = f'{op}-{fam}'; d = os.path.join(args.out, name); os.makedirs(d, exist_ok=True)
            save_st(os.path.join(d, 'source.safetensors'), P)
            save_st(os.path.join(d, 'expected.safetensors'), Q)
            json.dump(c, open(os.path.join(d, 'config.json'), 'w'), indent=1)
            json.dump(cq, open(os.path.join(d, 'shrunk_config.json'), 'w'), indent=1)
            with open(os.path.join(d, 'calibration.txt'), 'w') as f:
                f.write('\n'.join(' '.join(map(str, s)) for s in cal) + '\n')
            rec = {k: np.asarray(v, dtype=np.float64) for k, v in ch.items()}
            if imp is not None:
                rec.update({'score.hidden': imp['hidden'], 'score.heads': imp['heads'], 'score.ffn': imp['ffn']})
                if imp['blocks'] is not None: rec['score.blocks'] = imp['blocks']
            save_st(os.path.join(d, 'importance.safetensors'), rec)
            rows.append((name, fam, f'{c.get("n_embd", c.get("hidden_size"))}->{hidden}', rel_dlogit(fam, P, c, Q, cq, held)))
    lines = ['| case | family | hidden | relative max abs dlogit on held-out tokens (numpy float64) |', '|---|---|---|---|']
    lines += [f'| {n} | {f} | {h} | {e:.3f} |' for n, f, h, e in rows]
    text = '\n'.join(lines); print(text)
    open(os.path.join(args.out, 'results.md'), 'w').write(text + '\n')

if __name__ == '__main__':
    main()
