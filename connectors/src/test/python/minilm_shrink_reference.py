#!/usr/bin/env python3
"""Independent numpy reference for shrinking the real all-MiniLM-L6-v2 (MiniLmShrinkTest).

Written from research/OPERATORS.md §2.6 (weight subcloning) and §2.7 (weight selection), not from
the Java code: its own float64 post-LN BERT forward pass over the checkpoint that the connectors
test fixture writes (target/minilm-l6-v2/hf/model.safetensors, converted from the ONNX file), its
own importance, selection, rescale and comparison.

* subclone: mean |activation| over the calibration tokens. Residual channels: one score, the sum
  over every point where the post-LN residual stream is -- the embedding LayerNorm's output and
  both LayerNorm outputs of every block. Heads: mean |softmax.V| over the head's channels, per
  layer. FFN neurons: mean |input of the down projection|, per layer. Keep the best; blocks
  removed from the middle (drop [L'//2, L'//2 + L - L')); every weight matrix whose input axis
  shrinks times sqrt(inputs / kept); norms, biases and embeddings never.
* select: evenly spaced (arange(s)*(n/s) if s divides n, else round(linspace(0, n-1, s))) hidden
  channels, heads and FFN neurons, the first L' blocks, no rescale.
* quality on the probes (each sentence alone): cosine of the mean-pooled final hidden states on the
  kept channels, averaged over sentences; ||h' - h[kept]|| / ||h[kept]|| over all tokens.

Also prints, for the record, what scoring the residual channels at the sublayers' raw outputs
(what Graft did before, the pre-LN rule) gives.

Usage (after the fixture has run, e.g. mvn -pl connectors -am test -Dtest=MiniLmShrinkTest):
  python3 connectors/src/test/python/minilm_shrink_reference.py
Writes connectors/src/test/resources/minilm-shrink/expected.json.
"""
import json, os, struct, sys
import numpy as np
from math import erf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
CKPT = os.path.join(ROOT, 'connectors', 'target', 'minilm-l6-v2', 'hf', 'model.safetensors')
DATA = os.path.join(ROOT, 'docs', 'data')
OUT = os.path.join(ROOT, 'connectors', 'src', 'test', 'resources', 'minilm-shrink', 'expected.json')
HD = 32
TARGETS = [  # name, hidden, layers, ffn (heads = hidden / 32)
    ('hidden=288,heads=9,ffn=1152', 288, 6, 1152),
    ('hidden=256,heads=8,ffn=1024,layers=4', 256, 4, 1024),
    ('hidden=192,heads=6,ffn=768', 192, 6, 768),
]

def load(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]; header = json.loads(f.read(n)); data = f.read()
    out = {}
    for k, v in header.items():
        if k == '__metadata__': continue
        assert v['dtype'] == 'F32', k
        a, b = v['data_offsets']
        out[k] = np.frombuffer(data[a:b], dtype='<f4').reshape(v['shape']).astype(np.float64)
    return out

def tokens(name):
    rows = []
    for line in open(os.path.join(DATA, name)):
        line = line.split('#')[0].strip()
        if line: rows.append([int(x) for x in line.split()])
    return rows

_erf = np.vectorize(erf)
def gelu(x): return 0.5 * x * (1 + _erf(x / np.sqrt(2)))
def ln(x, g, b, eps=1e-12):
    m = x.mean(-1, keepdims=True); v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b

def forward(W, ids, tap=None):
    T = len(ids); e = 'embeddings.'; tap = tap or (lambda *a: None)
    h = ln(W[e+'word_embeddings.weight'][ids] + W[e+'position_embeddings.weight'][:T] + W[e+'token_type_embeddings.weight'][0],
           W[e+'LayerNorm.weight'], W[e+'LayerNorm.bias'])
    tap('stream', h)
    L = 1 + max(int(k.split('.')[2]) for k in W if k.startswith('encoder.layer.'))
    for l in range(L):
        p = f'encoder.layer.{l}.'
        lin = lambda n, x: x @ W[p+n+'.weight'].T + W[p+n+'.bias']
        q, k, v = (lin('attention.self.'+n, h) for n in ('query', 'key', 'value'))
        H = q.shape[1] // HD
        q, k, v = (t.reshape(T, H, HD).transpose(1, 0, 2) for t in (q, k, v))
        s = q @ k.transpose(0, 2, 1) / np.sqrt(HD); s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
        o = (s @ v).transpose(1, 0, 2).reshape(T, H * HD); tap(('heads', l), o)
        a = lin('attention.output.dense', o); tap('write', a)
        h = ln(h + a, W[p+'attention.output.LayerNorm.weight'], W[p+'attention.output.LayerNorm.bias']); tap('stream', h)
        m = gelu(lin('intermediate.dense', h)); tap(('ffn', l), m)
        f = lin('output.dense', m); tap('write', f)
        h = ln(h + f, W[p+'output.LayerNorm.weight'], W[p+'output.LayerNorm.bias']); tap('stream', h)
    return h

def importance(W, seqs):
    acc = {}; n = 0
    def tap(key, x): acc[key] = acc.get(key, 0) + np.abs(x).sum(0)
    for s in seqs:
        forward(W, s, tap); n += len(s)
    emb = None
    imp = {k: v / n for k, v in acc.items()}
    return imp

def top(score, k): return np.argsort(-np.asarray(score), kind='stable')[:k]
def evenly(n, s): return np.arange(s) * (n // s) if n % s == 0 else np.round(np.linspace(0, n - 1, s)).astype(int)
def middle(L, Lt):
    start = Lt // 2; return [l for l in range(L) if l < start or l >= start + L - Lt]

def shrink(W, H, heads, ffn, layers, rescale):
    d = W['embeddings.word_embeddings.weight'].shape[1]; e = 'embeddings.'; N = {}
    for n in ('word_embeddings.weight', 'position_embeddings.weight', 'token_type_embeddings.weight'): N[e+n] = W[e+n][:, H]
    for n in ('LayerNorm.weight', 'LayerNorm.bias'): N[e+n] = W[e+n][H]
    for t, l in enumerate(layers):
        p = f'encoder.layer.{l}.'; q = f'encoder.layer.{t}.'
        hi = np.concatenate([np.arange(h * HD, (h + 1) * HD) for h in heads[l]]); ff = W[p+'intermediate.dense.weight'].shape[0]
        r_in, r_h, r_f = (np.sqrt(d / len(H)), np.sqrt(d / len(hi)), np.sqrt(ff / len(ffn[l]))) if rescale else (1, 1, 1)
        for n in ('query', 'key', 'value'):
            N[q+f'attention.self.{n}.weight'] = W[p+f'attention.self.{n}.weight'][hi][:, H] * r_in
            N[q+f'attention.self.{n}.bias'] = W[p+f'attention.self.{n}.bias'][hi]
        N[q+'attention.output.dense.weight'] = W[p+'attention.output.dense.weight'][H][:, hi] * r_h
        N[q+'attention.output.dense.bias'] = W[p+'attention.output.dense.bias'][H]
        N[q+'intermediate.dense.weight'] = W[p+'intermediate.dense.weight'][ffn[l]][:, H] * r_in
        N[q+'intermediate.dense.bias'] = W[p+'intermediate.dense.bias'][ffn[l]]
        N[q+'output.dense.weight'] = W[p+'output.dense.weight'][H][:, ffn[l]] * r_f
        N[q+'output.dense.bias'] = W[p+'output.dense.bias'][H]
        for n in ('attention.output.LayerNorm', 'output.LayerNorm'):
            for m in ('weight', 'bias'): N[q+n+'.'+m] = W[p+n+'.'+m][H]
    return N

def quality(W, N, H, probes):
    cos = []; num = den = 0.0
    for s in probes:
        a = forward(W, s)[:, H]; b = forward(N, s)
        pa, pb = a.mean(0), b.mean(0); cos.append(pa @ pb / np.linalg.norm(pa) / np.linalg.norm(pb))
        num += ((a - b) ** 2).sum(); den += (a ** 2).sum()
    return float(np.mean(cos)), float(np.sqrt(num / den))

def main():
    W = load(CKPT); L = 6; d = 384; nh = 12; ff = 1536
    cal = tokens('minilm-calibration.txt'); probes = tokens('minilm-probes.txt')
    assert not {tuple(p) for p in probes} & {tuple(c) for c in cal}, 'a probe is in the calibration'
    imp = importance(W, cal)
    stream = imp['stream']; writes = imp['write']
    expected = {'calibration_tokens': sum(map(len, cal)), 'probe_sentences': len(probes), 'targets': {}}
    print('| target | subclone | select | (residual scored at sublayer outputs) |')
    for name, hidden, layers, fn in TARGETS:
        k = hidden // HD
        heads = {l: top(imp[('heads', l)].reshape(nh, HD).sum(1), k) for l in range(L)}
        neurons = {l: top(imp[('ffn', l)], fn) for l in range(L)}
        H = top(stream, hidden)
        sub = quality(W, shrink(W, H, heads, neurons, middle(L, layers), True), H, probes)
        Hw = top(writes, hidden)
        old = quality(W, shrink(W, Hw, heads, neurons, middle(L, layers), True), Hw, probes)
        He = evenly(d, hidden)
        sel = quality(W, shrink(W, He, {l: evenly(nh, k) for l in range(L)}, {l: evenly(ff, fn) for l in range(L)},
                               list(range(layers)), False), He, probes)
        expected['targets'][name] = {'subclone': {'embedding_cosine': sub[0], 'hidden_relative_error': sub[1]},
                                     'select': {'embedding_cosine': sel[0], 'hidden_relative_error': sel[1]},
                                     'subclone_kept_hidden_sorted': sorted(int(i) for i in H)}
        print(f'| {name} | {sub[0]:.3f} / {sub[1]:.3f} | {sel[0]:.3f} / {sel[1]:.3f} | {old[0]:.3f} / {old[1]:.3f} |')
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f: json.dump(expected, f, indent=1); f.write('\n')

if __name__ == '__main__':
    main()
