#!/usr/bin/env python3
"""Cross-check glm_torch.py (float32) against the float64 numpy reference of tools/numpy-glm, which was
written separately from the same spec: two independent readings of the spec must agree.

    python3 tools/train-tiny-glm/check_numpy.py --model models/glm-tiny      # the golden prompts + greedy spans
    python3 tools/train-tiny-glm/check_numpy.py --random                     # random weights, far from uniform attention

For each sequence (the golden prompts with their greedy continuations appended; with --random, random
ids with each mask type) it prints ‖torch − numpy‖/‖numpy‖ over all positions' logits and checks the
argmax at every position; exits 1 above --tolerance.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "numpy-glm"))
import glm_numpy  # noqa: E402
from glm_torch import GMASK, MASK, SMASK, EOS, GLMConfig, GLMModel, load_model, prepare_context, blank_to_fill, span_position, SOP  # noqa: E402


def random_model(tmp):
    cfg = GLMConfig(num_layers=3, hidden_size=64, num_heads=4, ffn_hidden_size=96, vocab_size=500, padded_vocab_size=512, max_sequence_length=128)
    model = GLMModel(cfg)
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("word_embeddings.weight"):
                p.copy_(torch.randn(p.shape, generator=g))
            elif "layernorm" in name and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[1] ** 0.5)
    from glm_torch import save_safetensors_fp16

    save_safetensors_fp16(model, os.path.join(tmp, "model.safetensors"))
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump(cfg.to_sdk_json("random"), f)
    rng = np.random.default_rng(3)
    seqs = []
    for mask in (MASK, SMASK, GMASK):
        text = rng.integers(9, 500, size=20).tolist()
        text[7] = mask
        context = prepare_context(text)
        at = blank_to_fill(context)
        gen = rng.integers(9, 500, size=6).tolist()
        ids = context + [SOP] + gen
        pos = list(range(len(context))) + [span_position(context, at, k) for k in range(len(gen) + 1)]
        seqs.append((f"random {mask}", ids, pos, len(context)))
    return seqs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model")
    ap.add_argument("--golden", default=None, help="default: MODEL/golden.json")
    ap.add_argument("--random", action="store_true")
    ap.add_argument("--tolerance", type=float, default=1e-5)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    if args.random:
        seqs = random_model(tmp)
        model_dir = tmp
    else:
        model_dir = args.model
        with open(args.golden or os.path.join(model_dir, "golden.json"), encoding="utf-8") as f:
            golden = json.load(f)
        seqs = []
        for p in golden["prompts"]:
            ids = p["input_ids"] + p["greedy"]["ids"]
            mask_at = p["mask_index"]
            ctx = p["context_length"]
            pos = p["position_ids"] + [span_position(ids[:ctx], mask_at, k) for k in range(1, len(p["greedy"]["ids"]) + 1)]
            seqs.append((p["name"], ids, pos, ctx))
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg_json = json.load(f)
    weights = glm_numpy.read_safetensors(os.path.join(model_dir, "model.safetensors"))
    model = load_model(os.path.join(model_dir, "config.json"), os.path.join(model_dir, "model.safetensors"), torch.float32, "cpu")
    worst = 0.0
    ok = True
    for name, ids, pos, ctx in seqs:
        ref, _, _ = glm_numpy.forward(cfg_json, weights, [ids], [pos], [ctx])
        with torch.no_grad():
            ours = model(torch.tensor([ids]), torch.tensor([pos]), context_lengths=torch.tensor([ctx]))[0].double().numpy()
        ref = ref[0]
        rel = float(np.linalg.norm(ours - ref) / np.linalg.norm(ref))
        last_rel = float(np.linalg.norm(ours[ctx] - ref[ctx]) / np.linalg.norm(ref[ctx]))
        same_argmax = bool((ours.argmax(-1) == ref.argmax(-1)).all())
        worst = max(worst, rel)
        ok &= rel <= args.tolerance and same_argmax
        print(f"{name:18} len {len(ids):3d} ctx {ctx:3d}  rel err all {rel:.2e}  [sop] {last_rel:.2e}  max abs {np.abs(ours - ref).max():.2e}  argmax equal {same_argmax}")
    print(f"worst relative error {worst:.2e} (tolerance {args.tolerance:g}): {'OK' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
