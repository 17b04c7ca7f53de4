#!/usr/bin/env python3
"""An independent float64 numpy forward pass of the pre-norm GLM block (ChatGLM2-6B, ChatGLM3-6B,
GLM-4-9B), written from THUDM's published chatglm2-6b modeling_chatglm.py (RMSNorm, SelfAttention with
multi_query_group_num, apply_rotary_pos_emb, swiglu, GLMBlock with apply_residual_connection_post_layernorm
False) -- not from the TypeScript graph (core/models/glm/prenorm-block.ts), which it exists to check.

    x = E[input_ids]
    per block:
      a    = RMSNorm(x) = x · rsqrt(mean(x²) + eps) · w
      qkv  = a @ Wqkvᵀ + b          split [q (heads·d) | k (groups·d) | v (groups·d)]
      q, k = rotary on the first d/2 dims of each head, pairs (2i, 2i+1) (`xshaped = x.reshape(..., rot/2, 2)`),
             theta_i = 1 / base^(2i/rot), rot = d/2; the other d/2 dims pass
      k, v expanded to every query head as ChatGLM2 does: `unsqueeze(-2).expand(..., heads // groups, ...)`
      o    = softmax(q kᵀ/√d, causal) v          (torch's scaled_dot_product_attention with is_causal=True)
      h    = x + o @ Wdenseᵀ
      out  = h + swiglu(RMSNorm(h) @ W_h_to_4hᵀ) @ W_4h_to_hᵀ,  swiglu(u) = silu(u₁)·u₂ (chunk(2))
    logits = RMSNorm_final(x) @ W_outputᵀ
GLM-4-0414 (config "sandwichNorm": true), from transformers' Glm4DecoderLayer.forward (models/glm4/modeling_glm4.py):
    h   = x + RMSNorm_post_self_attn(o @ Wdenseᵀ)
    out = h + RMSNorm_post_mlp(swiglu(RMSNorm(h) @ W_h_to_4hᵀ) @ W_4h_to_hᵀ)
with the weights post_self_attn_layernorm.weight and post_mlp_layernorm.weight under the same layer prefix.
Weight names are THUDM's (transformer.encoder.layers.N.self_attention.query_key_value, ...).
"""
import math

import numpy as np


def rms_norm(x, w, eps):
    variance = np.mean(x * x, axis=-1, keepdims=True)
    return x / np.sqrt(variance + eps) * w


def rope_cache(seq_positions, rot, base):
    """[batch, seq, rot/2, 2] of (cos, sin), ChatGLM2's RotaryEmbedding.forward_impl."""
    theta = 1.0 / (base ** (np.arange(0, rot, 2, dtype=np.float64) / rot))
    angles = np.asarray(seq_positions, dtype=np.float64)[..., None] * theta
    return np.stack([np.cos(angles), np.sin(angles)], axis=-1)


def apply_rotary_pos_emb(x, cache):
    """x [batch, heads, seq, d]; cache [batch, seq, rot/2, 2]: ChatGLM2's pairing, x_pass appended."""
    b, h, s, d = x.shape
    rot = cache.shape[-2] * 2
    x_rot, x_pass = x[..., :rot], x[..., rot:]
    xs = x_rot.reshape(b, h, s, rot // 2, 2)
    c = cache[:, None]  # broadcast over heads
    out = np.stack([xs[..., 0] * c[..., 0] - xs[..., 1] * c[..., 1], xs[..., 1] * c[..., 0] + xs[..., 0] * c[..., 1]], -1)
    return np.concatenate([out.reshape(b, h, s, rot), x_pass], axis=-1)


def expand_groups(t, heads):
    """[batch, groups, seq, d] -> [batch, heads, seq, d] as ChatGLM2's unsqueeze(-2).expand(...).view(...)."""
    b, g, s, d = t.shape
    return np.broadcast_to(t[:, :, None], (b, g, heads // g, s, d)).reshape(b, heads, s, d)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def forward(cfg, w, input_ids, position_ids):
    """Returns (logits [batch, seq, paddedVocab], keys, values): per layer [batch, groups, seq, d] (keys rotated)."""
    ids = np.asarray(input_ids)
    batch, seq = ids.shape
    hidden, heads, groups = cfg["hiddenSize"], cfg["numHeads"], cfg["numKvHeads"]
    d = hidden // heads
    eps = float(cfg["layerNormEps"])
    cache = rope_cache(position_ids, d // 2, float(cfg["rotaryBase"]))
    causal = np.tril(np.ones((seq, seq), dtype=bool))
    sandwich = bool(cfg.get("sandwichNorm", False))

    x = w["transformer.embedding.word_embeddings.weight"][ids]
    keys, values = [], []
    for layer in range(cfg["numLayers"]):
        p = f"transformer.encoder.layers.{layer}."
        a = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        qkv = a @ w[p + "self_attention.query_key_value.weight"].T + w[p + "self_attention.query_key_value.bias"]
        q, k, v = np.split(qkv, [heads * d, heads * d + groups * d], axis=-1)
        q = q.reshape(batch, seq, heads, d).transpose(0, 2, 1, 3)
        k = k.reshape(batch, seq, groups, d).transpose(0, 2, 1, 3)
        v = v.reshape(batch, seq, groups, d).transpose(0, 2, 1, 3)
        q, k = apply_rotary_pos_emb(q, cache), apply_rotary_pos_emb(k, cache)
        keys.append(k)
        values.append(v)
        scores = q @ expand_groups(k, heads).transpose(0, 1, 3, 2) / math.sqrt(d)
        scores = np.where(causal, scores, -np.inf)
        o = softmax(scores) @ expand_groups(v, heads)
        o = o.transpose(0, 2, 1, 3).reshape(batch, seq, heads * d)
        attn = o @ w[p + "self_attention.dense.weight"].T
        if sandwich:
            attn = rms_norm(attn, w[p + "post_self_attn_layernorm.weight"], eps)
        h = x + attn
        u = rms_norm(h, w[p + "post_attention_layernorm.weight"], eps) @ w[p + "mlp.dense_h_to_4h.weight"].T
        u1, u2 = np.split(u, 2, axis=-1)
        mlp = (u1 / (1.0 + np.exp(-u1)) * u2) @ w[p + "mlp.dense_4h_to_h.weight"].T
        if sandwich:
            mlp = rms_norm(mlp, w[p + "post_mlp_layernorm.weight"], eps)
        x = h + mlp
    x = rms_norm(x, w["transformer.encoder.final_layernorm.weight"], eps)
    return x @ w["transformer.output_layer.weight"].T, keys, values
