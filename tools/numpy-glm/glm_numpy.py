#!/usr/bin/env python3
"""An independent float64 numpy forward pass of the GLM family, written from /work/shared/spec/glm130b.md.

It deliberately shares no code with the TypeScript graph (core/models/glm): it exists to check that
graph's wiring. Everything is computed in float64 over the whole sequence at once; there is no KV
cache here: a "decode" step is simply the last position of the longer sequence, so the cache of the
SDK is checked against plain recomputation.

The math (spec, "One block", "Attention", "GeGLU MLP", "Rotary position embedding"):

    x   = E[input_ids]                                   (no absolute position embedding)
    per block:
      a   = LN_in(x)                                     eps from the config (1e-5), affine
      qkv = a @ Wqkvᵀ + b                                view [..., heads, 3d]; per head [q_h | k_h | v_h]
      q,k = rotary(q), rotary(k)                         1-D over d, or 2-D (halves: positions / block positions)
      s   = q kᵀ / √d ; GLM mask: query at absolute position p sees j iff j < ctx or j <= p ; masked → −10000
      o   = softmax(s) v                                 heads merged back head-major: index h·d + t
      h   = a·α + (o @ Wdenseᵀ + b)                      α = the config's declared deepnormAlpha
      m   = LN_post(h)
      u   = m @ Wupᵀ + b ; GeGLU: x1, x2 = halves(u); x1·gelu_erf(x2)   |  gelu-tanh: gelu_tanh(u)
      x'  = m·α + (· @ Wdownᵀ + b)
    logits = LN_final(x) @ Eᵀ   (or lm_head.weight when the head is untied)

Rotary (NeoX / rotate-half style): inv_freq[i] = 1 / base^(2i/w) for i < w/2 over a table of width w,
θ = pos·inv_freq, emb = concat(θ, θ), y = x·cos(emb) + rotate_half(x)·sin(emb) with
rotate_half(x) = concat(−x[w/2:], x[:w/2]). 1-D: w = d over the whole head with position_ids.
2-D: w = d/2; head dims [0, d/2) use position_ids, [d/2, d) use block_position_ids.
The tables are computed in float64 (the release uses fp16; the spec lets the reference choose).

Command line (all files JSON except the weights):
    python3 glm_numpy.py --config CONFIG.json --weights W.safetensors --inputs IN.json --out OUT.json
CONFIG uses the SDK's config field names (numLayers, hiddenSize, numHeads, ffnHiddenSize, vocabSize,
paddedVocabSize, layerNormEps, rotary, rotaryBase, mlp, tiedOutput; with "residual": "pre-norm" also numKvHeads:
the ChatGLM2/3, GLM-4 block of chatglm2_numpy.py). IN has input_ids, position_ids,
[block_position_ids,] context_lengths (lists of lists / list). OUT gets "logits" [batch][seq][paddedVocab]
plus "keys"/"values" per layer ([batch][heads][seq][headDim], keys after rotary) — what a KV cache holds.
"""
import argparse
import json
import math
import struct

import numpy as np

# ---------------------------------------------------------------------------------------------
# safetensors (https://github.com/huggingface/safetensors#format), parsed by hand.
# 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the raw little-endian data.

_NP_DTYPE = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}


def read_safetensors(path):
    """{name: float64 array}. Float tensors only (F32/F16/F64), which is all the model uses."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    data = blob[8 + n :]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = entry["dtype"]
        if dtype not in _NP_DTYPE:
            raise ValueError(f"{path}: tensor {name!r} has dtype {dtype}, only F32/F16/F64 are read")
        begin, end = entry["data_offsets"]
        arr = np.frombuffer(data[begin:end], dtype=_NP_DTYPE[dtype])
        out[name] = arr.astype(np.float64).reshape(entry["shape"])
    return out


def write_safetensors(path, tensors, st_dtype="F32", metadata=None):
    """Write {name: array} with every tensor stored as st_dtype, contiguous in name order."""
    np_dtype = _NP_DTYPE[st_dtype]
    header = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    blobs = []
    offset = 0
    for name in sorted(tensors):
        blob = np.ascontiguousarray(tensors[name], dtype=np_dtype).tobytes()
        header[name] = {"dtype": st_dtype, "shape": list(np.shape(tensors[name])), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # data starts 8-byte aligned, as the format recommends
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


# ---------------------------------------------------------------------------------------------
# The model.

_erf = np.frompyfunc(math.erf, 1, 1)


def gelu_erf(x):
    """Exact GeLU: x·Φ(x) = x·(1 + erf(x/√2))/2 (math.erf, element by element)."""
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def gelu_tanh(x):
    """The tanh approximation: x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³)))."""
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def layer_norm(x, weight, bias, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)  # biased variance
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def linear(x, weight, bias):
    """weight is [out, in] (the release's layout)."""
    return x @ weight.T + bias


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def rotate_half(x):
    w = x.shape[-1]
    return np.concatenate([-x[..., w // 2 :], x[..., : w // 2]], axis=-1)


def rotary(x, positions, base):
    """x [batch, heads, seq, w], positions [batch, seq] → x rotated with a table of width w."""
    w = x.shape[-1]
    inv_freq = 1.0 / base ** (np.arange(0, w // 2, dtype=np.float64) * 2.0 / w)  # 1/base^(2i/w)
    theta = positions.astype(np.float64)[..., None] * inv_freq  # [batch, seq, w/2]
    emb = np.concatenate([theta, theta], axis=-1)[:, None, :, :]  # [batch, 1, seq, w]
    return x * np.cos(emb) + rotate_half(x) * np.sin(emb)


def apply_rotary(x, cfg, positions, block_positions):
    base = float(cfg["rotaryBase"])
    if cfg["rotary"] == "1d":
        return rotary(x, positions, base)
    if cfg["rotary"] == "2d":
        half = x.shape[-1] // 2
        return np.concatenate([rotary(x[..., :half], positions, base), rotary(x[..., half:], block_positions, base)], axis=-1)
    raise ValueError(f"unknown rotary {cfg['rotary']!r}")


def glm_mask(seq, context_lengths):
    """[batch, 1, seq, seq] booleans, True = may attend: j < ctx or j <= i (absolute positions)."""
    i = np.arange(seq)[:, None]
    j = np.arange(seq)[None, :]
    ctx = np.asarray(context_lengths)[:, None, None, None]
    return (j < ctx) | (j <= i)[None, None]


def forward(cfg, w, input_ids, position_ids, context_lengths, block_position_ids=None, alpha=None):
    """Whole-sequence forward pass. Returns (logits [batch, seq, paddedVocab], keys, values) with
    keys/values lists over layers of [batch, heads, seq, headDim] (keys after rotary).
    DeepNorm's α is the config's declared "deepnormAlpha" (GLM-130B: √(2·layers); THUDM's ChatGLM-6B
    code: √(2·28) for any layer count); `alpha` overrides it (only mutations.py uses that)."""
    if cfg.get("residual", "deepnorm") == "pre-norm":
        # ChatGLM2/3, GLM-4: another block altogether (chatglm2_numpy.py, from THUDM's code); causal, so no context lengths.
        import chatglm2_numpy

        return chatglm2_numpy.forward(cfg, w, input_ids, position_ids)
    ids = np.asarray(input_ids)
    pos = np.asarray(position_ids)
    bpos = None if block_position_ids is None else np.asarray(block_position_ids)
    batch, seq = ids.shape
    hidden, heads = cfg["hiddenSize"], cfg["numHeads"]
    d = hidden // heads
    eps = float(cfg["layerNormEps"])
    alpha = float(cfg["deepnormAlpha"]) if alpha is None else alpha
    mask = glm_mask(seq, context_lengths)

    x = w["transformer.word_embeddings.weight"][ids]  # [batch, seq, hidden]
    keys, values = [], []
    for layer in range(cfg["numLayers"]):
        p = f"transformer.layers.{layer}."
        a = layer_norm(x, w[p + "input_layernorm.weight"], w[p + "input_layernorm.bias"], eps)

        qkv = linear(a, w[p + "attention.query_key_value.weight"], w[p + "attention.query_key_value.bias"])
        qkv = qkv.reshape(batch, seq, heads, 3 * d).transpose(0, 2, 1, 3)  # [batch, heads, seq, 3d]
        q, k, v = qkv[..., :d], qkv[..., d : 2 * d], qkv[..., 2 * d :]
        q = apply_rotary(q, cfg, pos, bpos)
        k = apply_rotary(k, cfg, pos, bpos)
        keys.append(k)
        values.append(v)

        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d)  # [batch, heads, seq, seq]
        scores = np.where(mask, scores, -10000.0)
        ctx = softmax(scores) @ v  # [batch, heads, seq, d]
        ctx = ctx.transpose(0, 2, 1, 3).reshape(batch, seq, hidden)  # merge heads: h·d + t
        attn = linear(ctx, w[p + "attention.dense.weight"], w[p + "attention.dense.bias"])
        h = a * alpha + attn

        m = layer_norm(h, w[p + "post_attention_layernorm.weight"], w[p + "post_attention_layernorm.bias"], eps)
        up = linear(m, w[p + "mlp.dense_h_to_4h.weight"], w[p + "mlp.dense_h_to_4h.bias"])
        if cfg["mlp"] == "geglu":
            f = cfg["ffnHiddenSize"]
            assert up.shape[-1] == 2 * f
            act = up[..., :f] * gelu_erf(up[..., f:])  # the SECOND half goes through GeLU
        elif cfg["mlp"] == "gelu-tanh":
            act = gelu_tanh(up)
        else:
            raise ValueError(f"unknown mlp {cfg['mlp']!r}")
        mlp = linear(act, w[p + "mlp.dense_4h_to_h.weight"], w[p + "mlp.dense_4h_to_h.bias"])
        x = m * alpha + mlp

    x = layer_norm(x, w["transformer.final_layernorm.weight"], w["transformer.final_layernorm.bias"], eps)
    head = w["transformer.word_embeddings.weight"] if cfg["tiedOutput"] else w["lm_head.weight"]
    logits = x @ head.T
    return logits, keys, values


def forward_inputs(cfg, w, inputs, **kw):
    return forward(
        cfg,
        w,
        inputs["input_ids"],
        inputs["position_ids"],
        inputs["context_lengths"],
        inputs.get("block_position_ids"),
        **kw,
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(args.config) as f:
        cfg = json.load(f)
    with open(args.inputs) as f:
        inputs = json.load(f)
    w = read_safetensors(args.weights)
    logits, keys, values = forward_inputs(cfg, w, inputs)
    with open(args.out, "w") as f:
        json.dump({"logits": logits.tolist(), "keys": [k.tolist() for k in keys], "values": [v.tolist() for v in values]}, f)


if __name__ == "__main__":
    main()
