#!/usr/bin/env python3
"""Checkpoints written by real PyTorch (torch.save) in the layouts `glm convert` reads, with the logits
they must reproduce — the fixtures of tests/checkpoint/convert-fixtures.test.ts.

Two tiny models, weights drawn from a seed and rounded to the float16 grid (stored as fp16, as the
releases store them), logits computed here in float64 from the spec (/work/shared/spec/glm130b.md):

  glm130b-style (1-D rotary, GeGLU with erf GeLU on the second half, tied head, alpha = sqrt(2 layers))
    sat-mp2/          the release's SwissArmyTransformer layout, 2-way model parallel:
                      latest ("1000"), 1000/mp_rank_0{0,1}_model_states.pt = torch.save({"iteration", "module"})
                      split as SAT's parallel layers are (GLM-130B tools/convert_tp.py merges them back):
                        word_embeddings.weight            rows (vocabulary split)
                        attention.query_key_value.*       rows: each rank holds whole heads, per head [q|k|v]
                        mlp.dense_h_to_4h.*               rows, each rank holding [its x1 part | its x2 part]
                        attention.dense.weight,
                        mlp.dense_4h_to_h.weight          columns (row-parallel); their biases replicated
                        layernorms, rotary_emb.inv_freq   replicated
  chatglm-style (2-D rotary, tanh GeLU MLP, untied lm_head, alpha = sqrt(56) as THUDM's code builds it)
    chatglm-bin/      Hugging Face layout: pytorch_model-0000k-of-00002.bin + pytorch_model.bin.index.json + config.json
    chatglm-st/       the same weights as safetensors shards + model.safetensors.index.json (written by hand below)

  malicious/          pickles that would run a command if unpickled: a torch.save zip whose pickle calls
                      posix.system through REDUCE, and a bare protocol-2 pickle calling builtins.eval.
  expected.json       configs (SDK field names), inputs, and the float64 logits of each model.

Run where PyTorch exists (the GPU machine):  python3 tools/torch-fixtures/make_fixtures.py --out DIR
"""
import argparse
import collections
import json
import math
import os
import pickle
import struct

import torch

torch.set_default_dtype(torch.float64)

SEED = 2407
# The command a malicious pickle would run; tests check that this file never appears.
PWNED = "/tmp/glm-sdk-malicious-pickle-ran"

GLM = {"name": "torch-sat-glm-tiny", "numLayers": 2, "hiddenSize": 32, "numHeads": 4, "ffnHiddenSize": 48,
       "vocabSize": 264, "paddedVocabSize": 272, "maxSequenceLength": 512, "layerNormEps": 1e-5, "rotary": "1d",
       "rotaryBase": 10000, "mlp": "geglu", "tiedOutput": True, "deepnormAlpha": math.sqrt(2 * 2)}
CHATGLM = {"name": "torch-chatglm-tiny", "numLayers": 2, "hiddenSize": 32, "numHeads": 4, "ffnHiddenSize": 64,
           "vocabSize": 264, "paddedVocabSize": 264, "maxSequenceLength": 512, "layerNormEps": 1e-5, "rotary": "2d",
           "rotaryBase": 10000, "mlp": "gelu-tanh", "tiedOutput": False, "deepnormAlpha": math.sqrt(56)}

# Byte-tokenizer ids: [MASK] 256, [gMASK] 257, [sop] 260. Context lengths 5 and 7.
ROWS = [
    {"ids": [72, 101, 256, 108, 111, 260, 119, 111, 114], "ctx": 5, "mask_at": 2},
    {"ids": [97, 98, 99, 100, 101, 102, 257, 260, 120], "ctx": 7, "mask_at": 6},
]


def weight_names(c):
    h, f = c["hiddenSize"], c["ffnHiddenSize"]
    up = 2 * f if c["mlp"] == "geglu" else f
    shapes = collections.OrderedDict()
    shapes["transformer.word_embeddings.weight"] = (c["paddedVocabSize"], h)
    for i in range(c["numLayers"]):
        p = f"transformer.layers.{i}."
        shapes[p + "input_layernorm.weight"] = (h,)
        shapes[p + "input_layernorm.bias"] = (h,)
        shapes[p + "attention.query_key_value.weight"] = (3 * h, h)
        shapes[p + "attention.query_key_value.bias"] = (3 * h,)
        shapes[p + "attention.dense.weight"] = (h, h)
        shapes[p + "attention.dense.bias"] = (h,)
        shapes[p + "post_attention_layernorm.weight"] = (h,)
        shapes[p + "post_attention_layernorm.bias"] = (h,)
        shapes[p + "mlp.dense_h_to_4h.weight"] = (up, h)
        shapes[p + "mlp.dense_h_to_4h.bias"] = (up,)
        shapes[p + "mlp.dense_4h_to_h.weight"] = (h, f)
        shapes[p + "mlp.dense_4h_to_h.bias"] = (h,)
    shapes["transformer.final_layernorm.weight"] = (h,)
    shapes["transformer.final_layernorm.bias"] = (h,)
    if not c["tiedOutput"]:
        shapes["lm_head.weight"] = (c["paddedVocabSize"], h)
    return shapes


def random_weights(c, seed):
    """Embeddings N(0,1), Linear weights N(0, 1/in), biases N(0, 0.1^2), LN gains 1 + N(0, 0.1^2); on the fp16 grid."""
    g = torch.Generator().manual_seed(seed)
    w = collections.OrderedDict()
    for name, shape in weight_names(c).items():
        r = torch.randn(shape, generator=g)
        if name.endswith("layernorm.weight"):
            v = 1.0 + 0.1 * r
        elif name.endswith(".bias"):
            v = 0.1 * r
        elif "embeddings" in name or name == "lm_head.weight":
            v = r
        else:
            v = r / math.sqrt(shape[1])
        w[name] = v.half().double()
    return w


# ---------------------------------------------------------------------------------------------
# The forward pass, float64, from the spec.

def layer_norm(x, wt, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), wt, b, eps)


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat([-b, a], dim=-1)


def rotary(x, pos, base):
    """x [batch, seq, heads, w]; pos [batch, seq]. NeoX pairing (i with i + w/2)."""
    w = x.shape[-1]
    inv = 1.0 / base ** (torch.arange(0, w, 2, dtype=torch.float64) / w)
    theta = pos[..., None].double() * inv
    emb = torch.cat([theta, theta], dim=-1)[:, :, None, :]
    return x * emb.cos() + rotate_half(x) * emb.sin()


def forward(c, w, ids, pos, block_pos, ctx):
    n, h = c["numHeads"], c["hiddenSize"]
    d = h // n
    batch, seq = ids.shape
    x = w["transformer.word_embeddings.weight"][ids]
    allowed = torch.zeros(batch, seq, seq, dtype=torch.bool)
    for b in range(batch):
        for i in range(seq):
            for j in range(seq):
                allowed[b, i, j] = j < ctx[b] or j <= i
    alpha = c["deepnormAlpha"]
    for layer in range(c["numLayers"]):
        p = f"transformer.layers.{layer}."
        lin = lambda t, name: t @ w[p + name + ".weight"].T + w[p + name + ".bias"]
        a = layer_norm(x, w[p + "input_layernorm.weight"], w[p + "input_layernorm.bias"], c["layerNormEps"])
        qkv = lin(a, "attention.query_key_value").view(batch, seq, n, 3 * d)
        q, k, v = qkv[..., :d], qkv[..., d:2 * d], qkv[..., 2 * d:]
        if c["rotary"] == "1d":
            q, k = rotary(q, pos, c["rotaryBase"]), rotary(k, pos, c["rotaryBase"])
        else:
            half = d // 2
            q = torch.cat([rotary(q[..., :half], pos, c["rotaryBase"]), rotary(q[..., half:], block_pos, c["rotaryBase"])], -1)
            k = torch.cat([rotary(k[..., :half], pos, c["rotaryBase"]), rotary(k[..., half:], block_pos, c["rotaryBase"])], -1)
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(d)
        scores = scores.masked_fill(~allowed[:, None], -10000.0)
        o = torch.einsum("bhqk,bkhd->bqhd", scores.softmax(-1), v).reshape(batch, seq, h)
        x = a * alpha + lin(o, "attention.dense")
        m = layer_norm(x, w[p + "post_attention_layernorm.weight"], w[p + "post_attention_layernorm.bias"], c["layerNormEps"])
        u = lin(m, "mlp.dense_h_to_4h")
        if c["mlp"] == "geglu":
            x1, x2 = u.chunk(2, dim=-1)
            act = x1 * torch.nn.functional.gelu(x2)
        else:
            act = torch.nn.functional.gelu(u, approximate="tanh")
        x = m * alpha + lin(act, "mlp.dense_4h_to_h")
    x = layer_norm(x, w["transformer.final_layernorm.weight"], w["transformer.final_layernorm.bias"], c["layerNormEps"])
    head = w["transformer.word_embeddings.weight"] if c["tiedOutput"] else w["lm_head.weight"]
    return x @ head.T


def inputs_for(c):
    seq = len(ROWS[0]["ids"])
    ids = torch.tensor([r["ids"] for r in ROWS])
    if c["rotary"] == "1d":
        pos = torch.stack([torch.arange(seq) for _ in ROWS])
        block = torch.zeros_like(pos)
    else:
        pos = torch.stack([torch.tensor([i if i < r["ctx"] else r["mask_at"] for i in range(seq)]) for r in ROWS])
        block = torch.stack([torch.tensor([0 if i < r["ctx"] else i - r["ctx"] + 1 for i in range(seq)]) for r in ROWS])
    return ids, pos, block, [r["ctx"] for r in ROWS]


# ---------------------------------------------------------------------------------------------
# Layouts.

GLU = ("mlp.dense_h_to_4h.weight", "mlp.dense_h_to_4h.bias")
ROW_PARALLEL = ("attention.dense.weight", "mlp.dense_4h_to_h.weight")
REPLICATED = ("input_layernorm.weight", "input_layernorm.bias", "post_attention_layernorm.weight",
              "post_attention_layernorm.bias", "attention.dense.bias", "mlp.dense_4h_to_h.bias",
              "final_layernorm.weight", "final_layernorm.bias", "attention.rotary_emb.inv_freq")


def sat_split(name, t, rank, ranks):
    short = name.split(".", 3)[3] if name.startswith("transformer.layers.") else name.split(".", 1)[1]
    if short in REPLICATED:
        return t.clone()
    if short in GLU:
        x1, x2 = t.chunk(2, dim=0)
        return torch.cat([x1.chunk(ranks, 0)[rank], x2.chunk(ranks, 0)[rank]], 0).clone()
    dim = 1 if short in ROW_PARALLEL else 0
    return t.chunk(ranks, dim=dim)[rank].clone()


def write_sat(out, c, w, ranks):
    folder = os.path.join(out, "sat-mp2")
    os.makedirs(os.path.join(folder, "1000"), exist_ok=True)
    with open(os.path.join(folder, "latest"), "w") as f:
        f.write("1000")
    full = collections.OrderedDict()
    d = c["hiddenSize"] // c["numHeads"]
    for name, t in w.items():
        full[name] = t
        if name.endswith("attention.dense.weight"):  # SAT keeps the rotary buffer in the state dict
            full[name.replace("dense.weight", "rotary_emb.inv_freq")] = 1.0 / 10000 ** (torch.arange(0, d, 2).double() / d)
    for rank in range(ranks):
        module = collections.OrderedDict((n, sat_split(n, t, rank, ranks).half()) for n, t in full.items())
        torch.save({"iteration": 1000, "module": module}, os.path.join(folder, "1000", f"mp_rank_{rank:02d}_model_states.pt"))


def hf_config(c):
    return {"architectures": ["ChatGLMModel"], "model_type": "chatglm", "hidden_size": c["hiddenSize"],
            "num_attention_heads": c["numHeads"], "num_layers": c["numLayers"], "inner_hidden_size": c["ffnHiddenSize"],
            "vocab_size": c["paddedVocabSize"], "layernorm_epsilon": c["layerNormEps"],
            "max_sequence_length": c["maxSequenceLength"], "position_encoding_2d": True, "torch_dtype": "float16",
            "bos_token_id": 130004, "eos_token_id": 130005, "mask_token_id": 130000, "gmask_token_id": 130001}


def shard_names(w, shards):
    names = list(w.keys())
    per = math.ceil(len(names) / shards)
    return [names[i * per:(i + 1) * per] for i in range(shards)]


def write_chatglm_bin(out, c, w):
    folder = os.path.join(out, "chatglm-bin")
    os.makedirs(folder, exist_ok=True)
    weight_map = {}
    parts = shard_names(w, 2)
    for k, names in enumerate(parts):
        file = f"pytorch_model-{k + 1:05d}-of-{len(parts):05d}.bin"
        torch.save(collections.OrderedDict((n, w[n].half()) for n in names), os.path.join(folder, file))
        weight_map.update({n: file for n in names})
    with open(os.path.join(folder, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": sum(t.numel() * 2 for t in w.values())}, "weight_map": weight_map}, f, indent=1)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hf_config(c), f, indent=1)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.half().contiguous().numpy().astype("<f2").tobytes()
        header[name] = {"dtype": "F16", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def write_chatglm_safetensors(out, c, w):
    folder = os.path.join(out, "chatglm-st")
    os.makedirs(folder, exist_ok=True)
    weight_map = {}
    parts = shard_names(w, 2)
    for k, names in enumerate(parts):
        file = f"model-{k + 1:05d}-of-{len(parts):05d}.safetensors"
        write_safetensors(os.path.join(folder, file), collections.OrderedDict((n, w[n]) for n in names))
        weight_map.update({n: file for n in names})
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=1)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hf_config(c), f, indent=1)


class SystemCall:
    """Pickles as posix.system(...) through REDUCE: what a hostile checkpoint looks like."""
    def __reduce__(self):
        return (os.system, (f"touch {PWNED}",))


class EvalCall:
    def __reduce__(self):
        return (eval, (f"__import__('os').system('touch {PWNED}')",))


def write_malicious(out):
    folder = os.path.join(out, "malicious")
    os.makedirs(folder, exist_ok=True)
    torch.save({"iteration": 1, "module": collections.OrderedDict([("transformer.evil", SystemCall())])}, os.path.join(folder, "mp_rank_00_model_states.pt"))
    with open(os.path.join(folder, "eval.pkl"), "wb") as f:
        pickle.dump({"module": EvalCall()}, f, protocol=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    expected = {"about": "float64 logits of each fixture model, from tools/torch-fixtures/make_fixtures.py. Do not edit.", "torch": torch.__version__, "models": {}}
    for key, c, seed in (("sat", GLM, SEED), ("chatglm", CHATGLM, SEED + 1)):
        w = random_weights(c, seed)
        ids, pos, block, ctx = inputs_for(c)
        logits = forward(c, w, ids, pos, block, ctx)
        expected["models"][key] = {
            "config": c,
            "inputs": {"input_ids": ids.tolist(), "position_ids": pos.tolist(), "block_position_ids": block.tolist(), "context_lengths": ctx},
            "logits": [[[float(f"{v:.9g}") for v in row] for row in b] for b in logits.tolist()],
        }
        if key == "sat":
            write_sat(out, c, w, 2)
        else:
            write_chatglm_bin(out, c, w)
            write_chatglm_safetensors(out, c, w)
        print(f"{key}: logits {tuple(logits.shape)} rms {logits.pow(2).mean().sqrt():.4f}")
    write_malicious(out)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
    print("torch", torch.__version__)


if __name__ == "__main__":
    main()
