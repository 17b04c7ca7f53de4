#!/usr/bin/env python3
"""Make the fixtures of tests/models/chatglm2-numpy.test.ts: tiny pre-norm (ChatGLM2/3, GLM-4) models
with seeded random weights on the float16 grid, written as tests/models/fixtures/<name>.safetensors, and
<name>.json with the inputs and what chatglm2_numpy.forward (float64, from THUDM's equations) computes:
the logits of a 7-token prefill, of one more decode token, and the keys/values a KV cache must hold
(KV heads only). Two rows of `[gMASK] <sop> text`, positions 0, 1, 2, …; the SDK's graph gets the GLM
mask with context length = the [sop] index (1) for one row and 0 for the other: both are causal.

Run from anywhere: python3 tools/numpy-glm/make_chatglm2_fixtures.py [NAME ...]   (deterministic; all when no name)
"""
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import chatglm2_numpy  # noqa: E402
import glm_numpy  # noqa: E402  (its safetensors reader/writer only)

OUT_DIR = os.path.join(HERE, "..", "..", "tests", "models", "fixtures")
BASE = {"vocabSize": 264, "paddedVocabSize": 272, "maxSequenceLength": 512, "rotary": "1d", "mlp": "swiglu",
        "tiedOutput": False, "residual": "pre-norm", "rotaryPairing": "half-interleaved"}
CONFIGS = [
    # ChatGLM2-6B's shape cut down: 4 query heads over 2 KV groups of 16 (rotary on 8), SwiGLU F = 96.
    ({"name": "tiny-chatglm2", "numLayers": 2, "hiddenSize": 64, "numHeads": 4, "numKvHeads": 2, "ffnHiddenSize": 96,
      "layerNormEps": 1e-5, "rotaryBase": 10000, **BASE}, 2701),
    # GLM-4-style: multi-query (1 KV head), head dim 12 (3 rotated pairs), base 500, GLM-4's eps.
    ({"name": "tiny-glm4-mqa", "numLayers": 1, "hiddenSize": 48, "numHeads": 4, "numKvHeads": 1, "ffnHiddenSize": 40,
      "layerNormEps": 1.5625e-7, "rotaryBase": 500, **BASE}, 2702),
    # GLM-4-0414-style: the sandwich norms after attention and MLP (transformers' Glm4DecoderLayer), 2 layers.
    ({"name": "tiny-glm4-0414", "numLayers": 2, "hiddenSize": 64, "numHeads": 4, "numKvHeads": 2, "ffnHiddenSize": 80,
      "layerNormEps": 1e-5, "rotaryBase": 10000, "sandwichNorm": True, **BASE}, 2703),
]
ONLY = sys.argv[1:]  # names to (re)make; all when empty
GMASK, SOP = 257, 260
ROWS = [
    {"ids": [GMASK, SOP, 72, 101, 108, 108, 111, 33], "ctx": 1},
    {"ids": [GMASK, SOP, 97, 98, 99, 100, 101, 102], "ctx": 0},
]
PREFILL = 7


def random_weights(cfg, seed):
    rng = np.random.default_rng(seed)
    h, v, heads, groups, f = cfg["hiddenSize"], cfg["paddedVocabSize"], cfg["numHeads"], cfg["numKvHeads"], cfg["ffnHiddenSize"]
    d = h // heads
    w = {"transformer.embedding.word_embeddings.weight": rng.standard_normal((v, h))}

    def dense(name, out, inner):
        w[name] = rng.standard_normal((out, inner)) / math.sqrt(inner)

    for layer in range(cfg["numLayers"]):
        p = f"transformer.encoder.layers.{layer}."
        w[p + "input_layernorm.weight"] = 1.0 + 0.1 * rng.standard_normal(h)
        dense(p + "self_attention.query_key_value.weight", (heads + 2 * groups) * d, h)
        w[p + "self_attention.query_key_value.bias"] = 0.1 * rng.standard_normal((heads + 2 * groups) * d)
        dense(p + "self_attention.dense.weight", h, heads * d)
        w[p + "post_attention_layernorm.weight"] = 1.0 + 0.1 * rng.standard_normal(h)
        dense(p + "mlp.dense_h_to_4h.weight", 2 * f, h)
        dense(p + "mlp.dense_4h_to_h.weight", h, f)
        if cfg.get("sandwichNorm"):
            w[p + "post_self_attn_layernorm.weight"] = 1.0 + 0.1 * rng.standard_normal(h)
            w[p + "post_mlp_layernorm.weight"] = 1.0 + 0.1 * rng.standard_normal(h)
    w["transformer.encoder.final_layernorm.weight"] = 1.0 + 0.1 * rng.standard_normal(h)
    w["transformer.output_layer.weight"] = rng.standard_normal((v, h))
    return {k: a.astype(np.float16).astype(np.float64) for k, a in w.items()}


def inputs_of(lo, hi):
    return {"input_ids": [r["ids"][lo:hi] for r in ROWS], "position_ids": [list(range(lo, hi)) for _ in ROWS],
            "context_lengths": [r["ctx"] for r in ROWS]}


def make(cfg, seed):
    name = cfg["name"]
    path = os.path.join(OUT_DIR, name + ".safetensors")
    glm_numpy.write_safetensors(path, random_weights(cfg, seed), "F16", {"writer": "tools/numpy-glm/make_chatglm2_fixtures.py", "seed": str(seed)})
    w = glm_numpy.read_safetensors(path)
    full = inputs_of(0, PREFILL + 1)
    logits, keys, values = chatglm2_numpy.forward(cfg, w, full["input_ids"], full["position_ids"])
    prefill, _, _ = chatglm2_numpy.forward(cfg, w, inputs_of(0, PREFILL)["input_ids"], inputs_of(0, PREFILL)["position_ids"])
    assert np.allclose(prefill, logits[:, :PREFILL], rtol=0, atol=1e-9), "causal: the prefill must be the first positions of the longer pass"
    fixture = {
        "about": "Expected values from tools/numpy-glm/chatglm2_numpy.py (float64, THUDM's ChatGLM2 equations); made by tools/numpy-glm/make_chatglm2_fixtures.py. Do not edit.",
        "config": cfg,
        "weights": name + ".safetensors",
        "prefill": {"inputs": inputs_of(0, PREFILL), "logits": logits[:, :PREFILL].tolist()},
        "decode": {"inputs": inputs_of(PREFILL, PREFILL + 1), "logits": logits[:, PREFILL:].tolist()},
        "cache": {"keys": [k.tolist() for k in keys], "values": [v.tolist() for v in values]},
    }
    with open(os.path.join(OUT_DIR, name + ".json"), "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"{name}: weights {os.path.getsize(path)} bytes, |logits| rms {np.sqrt((logits ** 2).mean()):.3f}")


if __name__ == "__main__":
    for cfg, seed in CONFIGS:
        if not ONLY or cfg["name"] in ONLY:
            make(cfg, seed)
