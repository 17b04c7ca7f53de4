#!/usr/bin/env python3
"""Make the numpy-reference fixtures of tests/models/numpy-reference.test.ts (no node involved).

For each config below it
  (a) draws its own seeded random weights with numpy (values rounded to the float16 grid, so the file's
      F16 or F32 storage, numpy's float64 and the SDK's f32 all hold exactly the same numbers),
  (b) writes them as tests/models/fixtures/<name>.safetensors (each file < 300 KB: TINY needs F16 for that),
  (c) picks a batch of two 7-token rows with different context lengths (4: a [MASK] blank with positions
      frozen at the mask index from [sop] on; 7: fully bidirectional, positions continuing) and one extra
      decode token per row,
  (d) runs glm_numpy.forward on the 8-token rows and writes <name>.json: the inputs, the expected
      logits of the 7 prefill positions, of the decode token, and the 8 positions' keys/values per layer
      (what the KV cache must hold).

The decode expectation is simply position 7 of the 8-token forward pass: numpy has no KV cache at all.
Run from anywhere: python3 tools/numpy-glm/make_fixtures.py
"""
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import glm_numpy  # noqa: E402

OUT_DIR = os.path.join(HERE, "..", "..", "tests", "models", "fixtures")
MAX_FILE_BYTES = 300 * 1024

BASE = {"vocabSize": 264, "paddedVocabSize": 272, "maxSequenceLength": 512, "layerNormEps": 1e-5, "rotaryBase": 10000}

# name, config, storage dtype, seed
CONFIGS = [
    # core/models/glm/config.ts TINY, field for field (the test checks that it is equal).
    (
        {"name": "tiny", "numLayers": 2, "hiddenSize": 64, "numHeads": 4, "ffnHiddenSize": 128, **BASE, "rotary": "1d", "mlp": "geglu", "tiedOutput": True, "deepnormAlpha": math.sqrt(2 * 2)},
        "F16",
        1301,
    ),
    # ChatGLM-6B-style switches: 2-D rotary (head dim 12 = 2 halves of 6), tanh-GeLU MLP, untied lm_head,
    # and THUDM's α = √(2·28) although it has 3 layers (ChatGLM-6B's GLMBlock keeps num_layers=28).
    (
        {"name": "tiny-2d-tanh-untied", "numLayers": 3, "hiddenSize": 48, "numHeads": 4, "ffnHiddenSize": 80, **BASE, "rotary": "2d", "mlp": "gelu-tanh", "tiedOutput": False, "deepnormAlpha": math.sqrt(2 * 28)},
        "F16",
        1302,
    ),
    # One layer, two heads of 32: per-head interleaving with a different head count, α = √2.
    (
        {"name": "tiny-1layer-2heads", "numLayers": 1, "hiddenSize": 64, "numHeads": 2, "ffnHiddenSize": 128, **BASE, "rotary": "1d", "mlp": "geglu", "tiedOutput": True, "deepnormAlpha": math.sqrt(2 * 1)},
        "F32",
        1303,
    ),
]

# Byte-tokenizer ids (core/io/byte-tokenizer.ts): bytes 0..255, [MASK] 256, [gMASK] 257, eos 262, [sop] 260.
MASK, GMASK, SOP, EOS = 256, 257, 260, 262
# Row A: "H [MASK] i eos [sop] y o" + decode "u"; context = the 4 tokens before [sop]; [MASK] rule:
#   positions from [sop] on stay at the mask's index 1; block positions 1, 2, 3, … from [sop].
# Row B: "a b c d e f [gMASK]" + decode [sop]; context = all 7 (fully bidirectional); positions continue.
ROWS = [
    {"ids": [72, MASK, 105, EOS, SOP, 121, 111, 117], "pos": [0, 1, 2, 3, 1, 1, 1, 1], "block": [0, 0, 0, 0, 1, 2, 3, 4], "ctx": 4},
    {"ids": [97, 98, 99, 100, 101, 102, GMASK, SOP], "pos": [0, 1, 2, 3, 4, 5, 6, 7], "block": [0, 0, 0, 0, 0, 0, 0, 1], "ctx": 7},
]
PREFILL = 7


def linear_shapes(cfg):
    h, f = cfg["hiddenSize"], cfg["ffnHiddenSize"]
    up = 2 * f if cfg["mlp"] == "geglu" else f
    return {
        "attention.query_key_value": (3 * h, h),
        "attention.dense": (h, h),
        "mlp.dense_h_to_4h": (up, h),
        "mlp.dense_4h_to_h": (h, f),
    }


def random_weights(cfg, seed):
    """Scaled so that every term matters: unit-variance embeddings, Linear weights N(0, 1/in) (attention
    scores of order 1, so the softmax is far from uniform and a rotary or mask mistake shows), biases and
    LayerNorm shifts N(0, 0.1²), LayerNorm gains 1 + N(0, 0.1²). Rounded to the float16 grid."""
    rng = np.random.default_rng(seed)
    h, v = cfg["hiddenSize"], cfg["paddedVocabSize"]
    w = {}

    def norm(name):
        w[name + ".weight"] = 1.0 + 0.1 * rng.standard_normal(h)
        w[name + ".bias"] = 0.1 * rng.standard_normal(h)

    w["transformer.word_embeddings.weight"] = rng.standard_normal((v, h))
    for layer in range(cfg["numLayers"]):
        p = f"transformer.layers.{layer}."
        norm(p + "input_layernorm")
        norm(p + "post_attention_layernorm")
        for linear, (out, inner) in linear_shapes(cfg).items():
            w[p + linear + ".weight"] = rng.standard_normal((out, inner)) / math.sqrt(inner)
            w[p + linear + ".bias"] = 0.1 * rng.standard_normal(out)
    norm("transformer.final_layernorm")
    if not cfg["tiedOutput"]:
        w["lm_head.weight"] = rng.standard_normal((v, h))
    return {k: a.astype(np.float16).astype(np.float64) for k, a in w.items()}


def inputs_of(rows, lo, hi, rotary):
    out = {
        "input_ids": [r["ids"][lo:hi] for r in rows],
        "position_ids": [r["pos"][lo:hi] for r in rows],
        "context_lengths": [r["ctx"] for r in rows],
    }
    if rotary == "2d":
        out["block_position_ids"] = [r["block"][lo:hi] for r in rows]
    return out


def min_top2_gap(logits, vocab):
    top = np.sort(logits[..., :vocab], axis=-1)
    return float((top[..., -1] - top[..., -2]).min())


def make(cfg, storage, seed):
    name = cfg["name"]
    w = random_weights(cfg, seed)
    path = os.path.join(OUT_DIR, name + ".safetensors")
    glm_numpy.write_safetensors(path, w, storage, {"writer": "tools/numpy-glm/make_fixtures.py", "seed": str(seed)})
    size = os.path.getsize(path)
    assert size < MAX_FILE_BYTES, f"{path} is {size} bytes"
    # Read back through the hand-written parser, so the file is what numpy computes with.
    w = glm_numpy.read_safetensors(path)

    full = inputs_of(ROWS, 0, PREFILL + 1, cfg["rotary"])
    logits, keys, values = glm_numpy.forward_inputs(cfg, w, full)
    # The 7-token prefill on its own must give the first 7 positions of the 8-token pass (the 8th token
    # is after every context, so no earlier query sees it).
    prefill_logits, _, _ = glm_numpy.forward_inputs(cfg, w, inputs_of(ROWS, 0, PREFILL, cfg["rotary"]))
    assert np.allclose(prefill_logits, logits[:, :PREFILL], rtol=0, atol=1e-9), "numpy prefill disagrees with itself"

    gap = min_top2_gap(logits, cfg["vocabSize"])
    fixture = {
        "about": "Expected values from tools/numpy-glm/glm_numpy.py (float64, from the spec); made by tools/numpy-glm/make_fixtures.py. Do not edit.",
        "config": cfg,
        "weights": name + ".safetensors",
        "minTop2Gap": gap,
        "prefill": {"inputs": inputs_of(ROWS, 0, PREFILL, cfg["rotary"]), "logits": logits[:, :PREFILL].tolist()},
        "decode": {"inputs": inputs_of(ROWS, PREFILL, PREFILL + 1, cfg["rotary"]), "logits": logits[:, PREFILL:].tolist()},
        # [layer][batch][heads][8 positions][headDim]: keys after rotary, values as projected.
        "cache": {"keys": [k.tolist() for k in keys], "values": [v.tolist() for v in values]},
    }
    with open(os.path.join(OUT_DIR, name + ".json"), "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"{name}: weights {size} bytes ({storage}), |logits| rms {np.sqrt((logits**2).mean()):.3f}, min top-2 gap {gap:.4f}")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for cfg, storage, seed in CONFIGS:
        make(cfg, storage, seed)


if __name__ == "__main__":
    main()
