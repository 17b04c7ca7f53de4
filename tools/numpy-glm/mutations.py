#!/usr/bin/env python3
"""How much each plausible wiring mistake moves the fixtures' logits (does the 1e-5 check have teeth?).

For every fixture in tests/models/fixtures it recomputes the 8-token logits with glm_numpy, first as is
(must reproduce the stored values), then with one deliberate mistake at a time, and prints
‖mutated − correct‖ / ‖correct‖ over all positions and over the decode position alone. Weight-layout
mistakes are made by permuting the weights (the correct model on permuted weights computes exactly
what the mistaken model computes on the real ones); math mistakes by patching glm_numpy's functions.
Run: python3 tools/numpy-glm/mutations.py
"""
import contextlib
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import glm_numpy as g  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "..", "tests", "models", "fixtures")
NAMES = ["tiny", "tiny-2d-tanh-untied", "tiny-1layer-2heads"]


@contextlib.contextmanager
def patched(**fns):
    saved = {k: getattr(g, k) for k in fns}
    for k, f in fns.items():
        setattr(g, k, f)
    try:
        yield
    finally:
        for k, f in saved.items():
            setattr(g, k, f)


def rotary_interleaved(x, positions, base):
    """GPT-J style: pairs (2i, 2i+1) instead of (i, i + w/2)."""
    w = x.shape[-1]
    inv_freq = 1.0 / base ** (np.arange(0, w // 2) * 2.0 / w)
    theta = positions.astype(np.float64)[..., None] * inv_freq
    cos, sin = np.cos(theta)[:, None], np.sin(theta)[:, None]
    x1, x2 = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = x1 * cos - x2 * sin
    out[..., 1::2] = x1 * sin + x2 * cos
    return out


def rotary_wrong_freq(x, positions, base):
    """inv_freq = 1/base^(i/w) instead of 1/base^(2i/w)."""
    w = x.shape[-1]
    inv_freq = 1.0 / base ** (np.arange(0, w // 2) * 1.0 / w)
    theta = positions.astype(np.float64)[..., None] * inv_freq
    emb = np.concatenate([theta, theta], axis=-1)[:, None]
    return x * np.cos(emb) + g.rotate_half(x) * np.sin(emb)


def mask_with(rule):
    def glm_mask(seq, context_lengths):
        i = np.arange(seq)[:, None]
        j = np.arange(seq)[None, :]
        ctx = np.asarray(context_lengths)[:, None, None, None]
        return rule(i, j, ctx)

    return glm_mask


def qkv_as_blocks(cfg, w):
    """The mistaken model reads QKV as [Q (all heads) | K | V]; the real rows are per head [q_h|k_h|v_h]."""
    h, heads = cfg["hiddenSize"], cfg["numHeads"]
    d = h // heads
    perm = [part * h + head * d + t for head in range(heads) for part in range(3) for t in range(d)]
    out = dict(w)
    for layer in range(cfg["numLayers"]):
        for suffix in ("weight", "bias"):
            name = f"transformer.layers.{layer}.attention.query_key_value.{suffix}"
            out[name] = w[name][perm]
    return out


def swap_geglu_halves(cfg, w):
    f = cfg["ffnHiddenSize"]
    out = dict(w)
    for layer in range(cfg["numLayers"]):
        for suffix in ("weight", "bias"):
            name = f"transformer.layers.{layer}.mlp.dense_h_to_4h.{suffix}"
            out[name] = np.concatenate([w[name][f:], w[name][:f]])
    return out


def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main():
    for name in NAMES:
        with open(os.path.join(FIXTURES, name + ".json")) as f:
            fx = json.load(f)
        cfg = fx["config"]
        w = g.read_safetensors(os.path.join(FIXTURES, fx["weights"]))
        pre, dec = fx["prefill"]["inputs"], fx["decode"]["inputs"]
        full = {k: ([a + b for a, b in zip(pre[k], dec[k])] if k != "context_lengths" else pre[k]) for k in pre}
        ref = np.concatenate([np.array(fx["prefill"]["logits"]), np.array(fx["decode"]["logits"])], axis=1)
        base, _, _ = g.forward_inputs(cfg, w, full)
        print(f"\n{name}: recomputed vs stored {rel(base, ref):.1e}")

        def report(label, logits):
            print(f"  {label:<44} all {rel(logits, ref):.2e}   decode {rel(logits[:, -1], ref[:, -1]):.2e}")

        report("QKV as 3 contiguous blocks", g.forward_inputs(cfg, qkv_as_blocks(cfg, w), full)[0])
        with patched(rotary=rotary_interleaved):
            report("rotary: interleaved pairs (GPT-J)", g.forward_inputs(cfg, w, full)[0])
        with patched(rotary=rotary_wrong_freq):
            report("rotary: inv_freq 1/base^(i/w)", g.forward_inputs(cfg, w, full)[0])
        with patched(apply_rotary=lambda x, *_: x):
            report("rotary: none", g.forward_inputs(cfg, w, full)[0])
        if cfg["rotary"] == "2d":
            swapped = dict(full, position_ids=full["block_position_ids"], block_position_ids=full["position_ids"])
            report("rotary 2d: halves swapped", g.forward_inputs(cfg, w, swapped)[0])
            report("rotary 1d instead of 2d", g.forward_inputs(dict(cfg, rotary="1d"), w, full)[0])
        with patched(glm_mask=mask_with(lambda i, j, ctx: (j <= ctx) | (j <= i)[None, None])):
            report("mask: j <= ctx (off by one)", g.forward_inputs(cfg, w, full)[0])
        with patched(glm_mask=mask_with(lambda i, j, ctx: np.broadcast_to((j <= i)[None, None], (ctx.shape[0], 1) + (i.shape[0], j.shape[1])))):
            report("mask: causal only (context ignored)", g.forward_inputs(cfg, w, full)[0])
        with patched(glm_mask=mask_with(lambda i, j, ctx: (j < ctx) | (j < i)[None, None])):
            report("mask: j < i (no self after context)", g.forward_inputs(cfg, w, full)[0])
        wrong_pos = dict(full, position_ids=[list(range(len(r))) for r in full["position_ids"]])
        report("positions continue after [MASK] (row 0)", g.forward_inputs(cfg, w, wrong_pos)[0])
        if cfg["mlp"] == "geglu":
            report("GeGLU: GeLU on the first half", g.forward_inputs(cfg, swap_geglu_halves(cfg, w), full)[0])
            with patched(gelu_erf=g.gelu_tanh):
                report("GeGLU: tanh GeLU instead of erf", g.forward_inputs(cfg, w, full)[0])
        else:
            with patched(gelu_tanh=g.gelu_erf):
                report("MLP: erf GeLU instead of tanh", g.forward_inputs(cfg, w, full)[0])
        report("DeepNorm: alpha = 1", g.forward_inputs(cfg, w, full, alpha=1.0)[0])
        report(f"DeepNorm: alpha = sqrt(layers)", g.forward_inputs(cfg, w, full, alpha=math.sqrt(cfg["numLayers"]))[0])
        if not cfg["tiedOutput"]:
            tied = dict(w, **{"lm_head.weight": w["transformer.word_embeddings.weight"]})
            report("head tied to the embedding (should be lm_head)", g.forward_inputs(cfg, tied, full)[0])
        eps = dict(cfg, layerNormEps=1e-6)
        report("LayerNorm eps 1e-6 (not a mistake: scale ref.)", g.forward_inputs(eps, w, full)[0])


if __name__ == "__main__":
    main()
