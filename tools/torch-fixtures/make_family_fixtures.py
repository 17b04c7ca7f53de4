#!/usr/bin/env python3
"""Small random models of the GLM family as PyTorch and transformers write them, with the float64
logits they must reproduce: the fixtures of tests/family/ (issue 27, deliverable 6).

Four tiny models (2 layers, hidden 64, 4 query heads, 2 KV heads, head dim 16, rotary on the first
half of each head with interleaved pairs, QKV bias, SwiGLU, untied output), float32 weights drawn
from a seed (norm gains 1 + N(0, 0.1²), biases N(0, 0.1²), embeddings and output N(0, 1), Linear
weights N(0, 1/in)) -- transformers' own init (std 0.02, zero biases, unit gains) would let a
converter that drops a bias or a norm pass unnoticed:

  glm4-hf/      transformers' GlmConfig / GlmForCausalLM (model_type glm, e.g. THUDM/glm-4-9b-chat-hf),
                written by save_pretrained(safe_serialization=True, max_shard_size="200KB") as safetensors
                shards + index (3 with transformers 5.17).
  glm4-0414/    transformers' Glm4Config / Glm4ForCausalLM (model_type glm4, GLM-4-0414: an RMSNorm
                after the attention and after the MLP of each layer), likewise.
  chatglm2/     THUDM's ChatGLM2/3 (model_type chatglm, ChatGLMForConditionalGeneration): not in
                transformers, so its forward pass is transcribed below from THUDM's modeling_chatglm.py;
                THUDM's names, written as .bin shards (torch.save) + pytorch_model.bin.index.json, as
                THUDM published chatglm2-6b; no rope_ratio (ChatGLM2-6B's config has none).
  glm4-chatglm/ the same architecture with rope_ratio 4 (THUDM's glm-4-9b-chat and ChatGLM3 code:
                base = 10000 · rope_ratio), as safetensors shards + model.safetensors.index.json, as THUDM
                published glm-4-9b-chat. (ChatGLM2-6B-32K's code instead divides the positions by
                rope_ratio; no fixture here uses that.)

Each folder gets config.json, the weights, inputs.json (input_ids, position_ids: 2 rows of 10 tokens,
causal attention, no padding) and logits.json (float64, [2, 10, padded vocab], repr digits). The HF
models run as they are (attn_implementation "sdpa", the default) after `.double()`; note transformers'
RMSNorm and rotary compute in float32 inside a float64 model (`hidden_states.to(torch.float32)`, the
rotary's "Force float32"), so their logits are float32-accurate in those places (~1e-7 relative).
The ChatGLM transcription computes everything in float64.

Cross-checks written to manifest.json: each HF model's logits against the transcription run on the same
weights renamed to THUDM's layout, and the ChatGLM fixtures against GlmForCausalLM on the renamed
weights -- two implementations, one written here and one by transformers, must agree.

THUDM source transcribed (read from THUDM/language_filter_chatglm3, modeling_chatglm.py, a copy of
THUDM's chatglm3-6b file: RotaryEmbedding, apply_rotary_pos_emb, RMSNorm, CoreAttention (torch >= 2:
scaled_dot_product_attention, is_causal), SelfAttention (multi_query_group_num, unsqueeze(-2).expand),
MLP (swiglu = silu(chunk 0) * chunk 1), GLMBlock (apply_residual_connection_post_layernorm False),
GLMTransformer (post_layer_norm), ChatGLMModel (output_layer, RotaryEmbedding(kv_channels // 2)); the
GLM-4 version's forward_impl adds `base = base * self.rope_ratio`).

Run where torch and transformers exist (the GPU machine; CPU is enough):
    python3 tools/torch-fixtures/make_family_fixtures.py --out DIR
"""
import argparse
import collections
import datetime
import json
import math
import os
import platform
import traceback

import torch

SEED = 2712
VOCAB = 300
SHAPE = {"layers": 2, "hidden": 64, "heads": 4, "kv_heads": 2, "head_dim": 16, "ffn": 96}
BATCH, SEQ = 2, 10
EPS = 1e-5


# ---------------------------------------------------------------------------------------------
# THUDM's ChatGLM2/3 / GLM-4 (modeling_chatglm.py), float64, batch-first.

def thudm_names(layers, sandwich=False):
    """THUDM's state-dict names and shapes (sandwich: GLM-4-0414's two extra norms, named as transformers does)."""
    h, n, g, d, f = SHAPE["hidden"], SHAPE["heads"], SHAPE["kv_heads"], SHAPE["head_dim"], SHAPE["ffn"]
    s = collections.OrderedDict()
    s["transformer.embedding.word_embeddings.weight"] = (VOCAB, h)
    for i in range(layers):
        p = f"transformer.encoder.layers.{i}."
        s[p + "input_layernorm.weight"] = (h,)
        s[p + "self_attention.query_key_value.weight"] = ((n + 2 * g) * d, h)
        s[p + "self_attention.query_key_value.bias"] = ((n + 2 * g) * d,)
        s[p + "self_attention.dense.weight"] = (h, n * d)
        if sandwich:
            s[p + "post_self_attn_layernorm.weight"] = (h,)
        s[p + "post_attention_layernorm.weight"] = (h,)
        s[p + "mlp.dense_h_to_4h.weight"] = (2 * f, h)
        s[p + "mlp.dense_4h_to_h.weight"] = (h, f)
        if sandwich:
            s[p + "post_mlp_layernorm.weight"] = (h,)
    s["transformer.encoder.final_layernorm.weight"] = (h,)
    s["transformer.output_layer.weight"] = (VOCAB, h)
    return s


def draw(shape, name, g):
    r = torch.randn(shape, generator=g, dtype=torch.float64)
    if name.endswith("layernorm.weight") or name.endswith("norm.weight"):
        v = 1.0 + 0.1 * r
    elif name.endswith(".bias"):
        v = 0.1 * r
    elif "embed" in name or "output_layer" in name or "lm_head" in name:
        v = r
    else:
        v = r / math.sqrt(shape[1])
    return v.float()  # the stored values: float32


def rms_norm(x, w, eps):
    # THUDM: variance = x.to(float32).pow(2).mean(-1); x * rsqrt(variance + eps) * w. Upcast to at
    # least float32, i.e. float64 stays float64 here (THUDM's cast only matters for fp16/bf16 runs).
    up = x.to(torch.promote_types(x.dtype, torch.float32))
    variance = up.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(variance + eps))


def rope_cache(positions, rot, base):
    # RotaryEmbedding(kv_channels // 2).forward_impl: theta_i = 1 / base^(2i / n_elem), n_elem = rot;
    # cache[..., i, :] = (cos, sin)(position · theta_i); indexed by position_ids.
    theta = 1.0 / (base ** (torch.arange(0, rot, 2, dtype=torch.float64) / rot))
    idx_theta = positions.double()[..., None] * theta
    return torch.stack([torch.cos(idx_theta), torch.sin(idx_theta)], dim=-1)  # [b, s, rot/2, 2]


def apply_rotary_pos_emb(x, cache):
    # x [b, s, heads, d]; pairs (2i, 2i+1) of the first rot dims (xshaped = x.reshape(..., rot // 2, 2)).
    b, s, nh, d = x.shape
    rot = cache.shape[-2] * 2
    x, x_pass = x[..., :rot], x[..., rot:]
    xshaped = x.reshape(b, s, nh, rot // 2, 2)
    c = cache[:, :, None]  # broadcast over heads
    out = torch.stack([xshaped[..., 0] * c[..., 0] - xshaped[..., 1] * c[..., 1],
                       xshaped[..., 1] * c[..., 0] + xshaped[..., 0] * c[..., 1]], -1)
    return torch.cat((out.flatten(3), x_pass), dim=-1)


def thudm_forward(w, ids, positions, base, eps, sandwich=False):
    n, g, d = SHAPE["heads"], SHAPE["kv_heads"], SHAPE["head_dim"]
    b, s = ids.shape
    x = w["transformer.embedding.word_embeddings.weight"][ids]
    cache = rope_cache(positions, d // 2, base)
    for i in range(SHAPE["layers"]):
        p = f"transformer.encoder.layers.{i}."
        ln = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        qkv = ln @ w[p + "self_attention.query_key_value.weight"].T + w[p + "self_attention.query_key_value.bias"]
        q, k, v = qkv.split([n * d, g * d, g * d], dim=-1)
        q = apply_rotary_pos_emb(q.view(b, s, n, d), cache)
        k = apply_rotary_pos_emb(k.view(b, s, g, d), cache)
        v = v.view(b, s, g, d)
        # multi-query groups: key_layer.unsqueeze(-2).expand(..., n // g, ...).view(..., n, d)
        k = k.unsqueeze(-2).expand(-1, -1, -1, n // g, -1).reshape(b, s, n, d)
        v = v.unsqueeze(-2).expand(-1, -1, -1, n // g, -1).reshape(b, s, n, d)
        q, k, v = (t.permute(0, 2, 1, 3) for t in (q, k, v))
        context = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        attn = context.permute(0, 2, 1, 3).reshape(b, s, n * d) @ w[p + "self_attention.dense.weight"].T
        if sandwich:
            attn = rms_norm(attn, w[p + "post_self_attn_layernorm.weight"], eps)
        h = x + attn  # apply_residual_connection_post_layernorm: false
        ln2 = rms_norm(h, w[p + "post_attention_layernorm.weight"], eps)
        u0, u1 = (ln2 @ w[p + "mlp.dense_h_to_4h.weight"].T).chunk(2, dim=-1)
        mlp = (torch.nn.functional.silu(u0) * u1) @ w[p + "mlp.dense_4h_to_h.weight"].T
        if sandwich:
            mlp = rms_norm(mlp, w[p + "post_mlp_layernorm.weight"], eps)
        x = h + mlp
    x = rms_norm(x, w["transformer.encoder.final_layernorm.weight"], eps)  # post_layer_norm
    return x @ w["transformer.output_layer.weight"].T


# ---------------------------------------------------------------------------------------------
# Name maps between THUDM's and transformers' layouts (for the cross-checks).

def hf_to_thudm(sd, layers):
    w = collections.OrderedDict()
    w["transformer.embedding.word_embeddings.weight"] = sd["model.embed_tokens.weight"]
    for i in range(layers):
        a, p = f"model.layers.{i}.", f"transformer.encoder.layers.{i}."
        w[p + "input_layernorm.weight"] = sd[a + "input_layernorm.weight"]
        w[p + "self_attention.query_key_value.weight"] = torch.cat([sd[a + f"self_attn.{x}_proj.weight"] for x in "qkv"], 0)
        w[p + "self_attention.query_key_value.bias"] = torch.cat([sd[a + f"self_attn.{x}_proj.bias"] for x in "qkv"], 0)
        w[p + "self_attention.dense.weight"] = sd[a + "self_attn.o_proj.weight"]
        w[p + "post_attention_layernorm.weight"] = sd[a + "post_attention_layernorm.weight"]
        w[p + "mlp.dense_h_to_4h.weight"] = sd[a + "mlp.gate_up_proj.weight"]
        w[p + "mlp.dense_4h_to_h.weight"] = sd[a + "mlp.down_proj.weight"]
        for extra in ("post_self_attn_layernorm.weight", "post_mlp_layernorm.weight"):
            if a + extra in sd:
                w[p + extra] = sd[a + extra]
    w["transformer.encoder.final_layernorm.weight"] = sd["model.norm.weight"]
    w["transformer.output_layer.weight"] = sd["lm_head.weight"]
    return w


def thudm_to_hf(w, layers):
    n, g, d = SHAPE["heads"], SHAPE["kv_heads"], SHAPE["head_dim"]
    sd = collections.OrderedDict()
    sd["model.embed_tokens.weight"] = w["transformer.embedding.word_embeddings.weight"]
    for i in range(layers):
        a, p = f"model.layers.{i}.", f"transformer.encoder.layers.{i}."
        sd[a + "input_layernorm.weight"] = w[p + "input_layernorm.weight"]
        for part in ("weight", "bias"):
            q, k, v = w[p + f"self_attention.query_key_value.{part}"].split([n * d, g * d, g * d], 0)
            sd[a + f"self_attn.q_proj.{part}"], sd[a + f"self_attn.k_proj.{part}"], sd[a + f"self_attn.v_proj.{part}"] = q, k, v
        sd[a + "self_attn.o_proj.weight"] = w[p + "self_attention.dense.weight"]
        sd[a + "post_attention_layernorm.weight"] = w[p + "post_attention_layernorm.weight"]
        sd[a + "mlp.gate_up_proj.weight"] = w[p + "mlp.dense_h_to_4h.weight"]
        sd[a + "mlp.down_proj.weight"] = w[p + "mlp.dense_4h_to_h.weight"]
    sd["model.norm.weight"] = w["transformer.encoder.final_layernorm.weight"]
    sd["lm_head.weight"] = w["transformer.output_layer.weight"]
    return sd


# ---------------------------------------------------------------------------------------------
# transformers' models.

def hf_config(kind, rope_theta):
    import transformers
    cls = transformers.GlmConfig if kind == "glm" else transformers.Glm4Config
    common = dict(vocab_size=VOCAB, hidden_size=SHAPE["hidden"], intermediate_size=SHAPE["ffn"],
                  num_hidden_layers=SHAPE["layers"], num_attention_heads=SHAPE["heads"],
                  num_key_value_heads=SHAPE["kv_heads"], head_dim=SHAPE["head_dim"], rms_norm_eps=EPS,
                  attention_bias=True, tie_word_embeddings=False, max_position_embeddings=128, pad_token_id=None)
    attempts = [
        dict(rope_parameters={"rope_type": "default", "rope_theta": rope_theta, "partial_rotary_factor": 0.5}),
        dict(rope_theta=rope_theta, partial_rotary_factor=0.5),
    ]
    errors = []
    for extra in attempts:
        try:
            return cls(**common, **extra), extra
        except Exception as e:  # an API of another transformers version: try the other spelling
            errors.append(f"{extra}: {e!r}")
    raise RuntimeError("cannot build the config: " + "; ".join(errors))


def inv_freq_of(model):
    for name, buf in model.named_buffers():
        if name.endswith("rotary_emb.inv_freq"):
            return buf
    raise RuntimeError("no rotary_emb.inv_freq buffer found")


def set_random_weights(model, g):
    sd = model.state_dict()
    with torch.no_grad():
        for name, t in model.named_parameters():
            t.copy_(draw(tuple(t.shape), name, g))
    return sd


def hf_logits(model, ids, positions):
    model = model.double().eval()
    with torch.no_grad():
        return model(input_ids=ids, position_ids=positions, use_cache=False).logits.double()


def save_hf(model, folder):
    try:
        model.save_pretrained(folder, safe_serialization=True, max_shard_size="200KB")
    except TypeError:  # a transformers without the safe_serialization argument writes safetensors anyway
        traceback.print_exc()
        model.save_pretrained(folder, max_shard_size="200KB")


def make_hf(kind, folder, seed, rope_theta, ids, positions):
    import transformers
    config, spelling = hf_config(kind, rope_theta)
    config._attn_implementation = "sdpa"
    cls = transformers.GlmForCausalLM if kind == "glm" else transformers.Glm4ForCausalLM
    torch.manual_seed(seed)
    model = cls(config).float()
    g = torch.Generator().manual_seed(seed)
    set_random_weights(model, g)
    want = 1.0 / (rope_theta ** (torch.arange(0, SHAPE["head_dim"] // 2, 2, dtype=torch.float64) / (SHAPE["head_dim"] // 2)))
    got = inv_freq_of(model).double()
    if got.shape != want.shape or (got - want).abs().max() > 1e-6 * want.abs().max():
        raise RuntimeError(f"rotary inv_freq {got.tolist()} is not the half-head rotary with base {rope_theta} ({want.tolist()})")
    save_hf(model, folder)
    sd32 = {k: v.detach().clone() for k, v in model.state_dict().items()}
    logits = hf_logits(model, ids, positions)
    transcribed = lambda: thudm_forward({k: v.double() for k, v in hf_to_thudm(sd32, SHAPE["layers"]).items()}, ids, positions,
                                        rope_theta, EPS, sandwich=(kind == "glm4"))
    return logits, {
        "implementation": f"transformers.{cls.__name__} as it is, attn_implementation "
                          f"{getattr(model.config, '_attn_implementation', '?')}, model.double()",
        "config_spelling": sorted(spelling),
        **cross_check("THUDM-style float64 transcription on the same weights renamed", logits, transcribed),
    }


# ---------------------------------------------------------------------------------------------
# THUDM's ChatGLM layout.

def chatglm_config(rope_ratio):
    c = {
        "architectures": ["ChatGLMForConditionalGeneration"],
        "model_type": "chatglm",
        "add_bias_linear": False,
        "add_qkv_bias": True,
        "apply_query_key_layer_scaling": True,
        "apply_residual_connection_post_layernorm": False,
        "attention_dropout": 0.0,
        "attention_softmax_in_fp32": True,
        "bias_dropout_fusion": True,
        "ffn_hidden_size": SHAPE["ffn"],
        "fp32_residual_connection": False,
        "hidden_dropout": 0.0,
        "hidden_size": SHAPE["hidden"],
        "kv_channels": SHAPE["head_dim"],
        "layernorm_epsilon": EPS,
        "multi_query_attention": True,
        "multi_query_group_num": SHAPE["kv_heads"],
        "num_attention_heads": SHAPE["heads"],
        "num_layers": SHAPE["layers"],
        "original_rope": True,
        "padded_vocab_size": VOCAB,
        "post_layer_norm": True,
        "rmsnorm": True,
        "seq_length": 128,
        "use_cache": True,
        "torch_dtype": "float32",
        "eos_token_id": 2,
        "pad_token_id": 0,
    }
    if rope_ratio is not None:
        c["rope_ratio"] = rope_ratio
    return c


def chatglm_weights(seed):
    g = torch.Generator().manual_seed(seed)
    w = collections.OrderedDict((name, draw(shape, name, g)) for name, shape in thudm_names(SHAPE["layers"]).items())
    # THUDM's RotaryEmbedding registers inv_freq as a persistent buffer, so real checkpoints carry it
    # (computed with 10000 whatever rope_ratio: forward_impl recomputes theta from the base).
    dim = SHAPE["head_dim"] // 2
    w["transformer.rotary_pos_emb.inv_freq"] = (1.0 / (10000 ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))).float()
    return w


def shards(names, count):
    per = math.ceil(len(names) / count)
    return [names[i * per:(i + 1) * per] for i in range(count)]


def save_chatglm_bin(folder, w, config):
    os.makedirs(folder, exist_ok=True)
    weight_map, parts = {}, shards(list(w), 2)
    for k, names in enumerate(parts):
        file = f"pytorch_model-{k + 1:05d}-of-{len(parts):05d}.bin"
        torch.save(collections.OrderedDict((n, w[n].clone()) for n in names), os.path.join(folder, file))
        weight_map.update({n: file for n in names})
    total = sum(t.numel() * t.element_size() for t in w.values())
    write_json(os.path.join(folder, "pytorch_model.bin.index.json"), {"metadata": {"total_size": total}, "weight_map": weight_map})
    write_json(os.path.join(folder, "config.json"), config)


def save_chatglm_safetensors(folder, w, config):
    from safetensors.torch import save_file
    os.makedirs(folder, exist_ok=True)
    weight_map, parts = {}, shards(list(w), 2)
    for k, names in enumerate(parts):
        file = f"model-{k + 1:05d}-of-{len(parts):05d}.safetensors"
        save_file({n: w[n].contiguous() for n in names}, os.path.join(folder, file), metadata={"format": "pt"})
        weight_map.update({n: file for n in names})
    total = sum(t.numel() * t.element_size() for t in w.values())
    write_json(os.path.join(folder, "model.safetensors.index.json"), {"metadata": {"total_size": total}, "weight_map": weight_map})
    write_json(os.path.join(folder, "config.json"), config)


def make_chatglm(folder, seed, rope_ratio, fmt, ids, positions):
    import transformers
    w = chatglm_weights(seed)
    config = chatglm_config(rope_ratio)
    (save_chatglm_bin if fmt == "bin" else save_chatglm_safetensors)(folder, w, config)
    base = 10000.0 * (rope_ratio if rope_ratio is not None else 1.0)
    w64 = {k: v.double() for k, v in w.items()}
    logits = thudm_forward(w64, ids, positions, base, EPS)

    def transformers_logits():  # transformers' GlmForCausalLM (the same architecture) on the renamed weights
        hf, _ = hf_config("glm", base)
        hf._attn_implementation = "sdpa"
        model = transformers.GlmForCausalLM(hf)
        model.load_state_dict(thudm_to_hf({k: v for k, v in w.items() if "rotary" not in k}, SHAPE["layers"]), strict=True)
        return hf_logits(model, ids, positions)
    return logits, {
        "implementation": "THUDM modeling_chatglm.py transcribed in float64 (tools/torch-fixtures/make_family_fixtures.py thudm_forward)",
        "rope": f"base = 10000 * rope_ratio = {base}",
        **cross_check("transformers.GlmForCausalLM on the same weights renamed, model.double()", logits, transformers_logits),
    }


def cross_check(what, logits, other):
    """A second implementation's logits; a failure to run it is recorded, not fatal (the fixture stands)."""
    try:
        diff = (logits - other()).abs()
        return {"cross_check": what, "cross_check_max_abs_diff": float(diff.max()),
                "cross_check_max_rel_diff": float(diff.max() / logits.abs().max())}
    except Exception as e:
        traceback.print_exc()
        return {"cross_check": what, "cross_check_error": repr(e)}


# ---------------------------------------------------------------------------------------------

def write_json(path, obj, compact=False):
    with open(path, "w") as f:
        json.dump(obj, f, **({"separators": (",", ":")} if compact else {"indent": 1}))
        f.write("\n")


def inputs(seed):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, VOCAB, (BATCH, SEQ), generator=g)
    positions = torch.arange(SEQ).unsqueeze(0).repeat(BATCH, 1)
    return ids, positions


FIXTURES = [
    # name, builder, seed
    ("glm4-hf", lambda f, ids, pos: make_hf("glm", f, SEED, 1000.0, ids, pos)),
    ("glm4-0414", lambda f, ids, pos: make_hf("glm4", f, SEED + 1, 5000.0, ids, pos)),
    ("chatglm2", lambda f, ids, pos: make_chatglm(f, SEED + 2, None, "bin", ids, pos)),
    ("glm4-chatglm", lambda f, ids, pos: make_chatglm(f, SEED + 3, 4.0, "safetensors", ids, pos)),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(4)
    import transformers
    manifest = {
        "about": "Written by tools/torch-fixtures/make_family_fixtures.py. Do not edit.",
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
        "host": platform.node(),
        "cuda_device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "computed_on": "cpu",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "shape": SHAPE, "vocab": VOCAB, "batch": BATCH, "seq": SEQ,
        "fixtures": {},
    }
    failed = []
    for k, (name, build) in enumerate(FIXTURES):
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        ids, positions = inputs(SEED + 100 + k)
        try:
            logits, info = build(folder, ids, positions)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        write_json(os.path.join(folder, "inputs.json"), {"input_ids": ids.tolist(), "position_ids": positions.tolist(), "attention": "causal"})
        write_json(os.path.join(folder, "logits.json"), {"shape": list(logits.shape), "dtype": "float64", "logits": logits.flatten().tolist()}, compact=True)
        info["logits_rms"] = float(logits.pow(2).mean().sqrt())
        info["files"] = sorted(os.listdir(folder))
        manifest["fixtures"][name] = info
        print(f"{name}: logits {tuple(logits.shape)} rms {info['logits_rms']:.4f}, cross-check {info.get('cross_check_max_abs_diff', info.get('cross_check_error'))}", flush=True)
    write_json(os.path.join(out, "manifest.json"), manifest)
    print("torch", torch.__version__, "transformers", transformers.__version__)
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
