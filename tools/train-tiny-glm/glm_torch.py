#!/usr/bin/env python3
"""An independent PyTorch implementation of the GLM-130B model, written from /work/shared/spec/glm130b.md.

It shares no code with the TypeScript SDK (core/models/glm, backends/*) nor with tools/numpy-glm: it is
the model the tiny GLM is trained with (train.py) and the one that writes the golden files (golden.py).

The math (spec, "One block", "Attention", "GeGLU MLP", "Rotary position embedding"):

    x   = E[input_ids]                          no absolute position embedding
    per block (DeepNorm, post-LN, α = √(2·layers)):
      a   = LN_in(x)                            eps 1e-5, affine
      qkv = a·Wqkvᵀ + b                         viewed [..., heads, 3d]: per head [q_h | k_h | v_h]
      q,k = rotary(q), rotary(k)                1-D rotate-half over the whole head dim, base 10000
      s   = q·kᵀ/√d  (fp32)                     GLM mask: i may attend j iff j < ctx or j ≤ i; masked → −10000
      o   = softmax_fp32(s)·v                   heads merged head-major (index h·d + t)
      h   = a·α + (o·Wdenseᵀ + b)
      m   = LN_post(h)
      u   = m·Wupᵀ + b ; x1, x2 = halves(u)     GeGLU: x1 · gelu_erf(x2) (the SECOND half through GeLU)
      x'  = m·α + (·Wdownᵀ + b)
    logits = LN_final(x)·Eᵀ                     tied head, no bias

The rotary tables (inv_freq, θ, cos, sin) are computed in float64 and cast to the compute dtype
(the release computes them in fp16; the spec lets a reference choose). Module names are the release's
(SwissArmyTransformer) weight names, so `state_dict()` is exactly what the SDK's loader reads:
`transformer.word_embeddings.weight` [V, H], `transformer.layers.{i}.input_layernorm.{weight,bias}`,
`….attention.query_key_value.{weight,bias}` [3H, H], `….attention.dense`, `….post_attention_layernorm`,
`….mlp.dense_h_to_4h` [2F, H], `….mlp.dense_4h_to_h` [H, F], `transformer.final_layernorm.{weight,bias}`;
every Linear weight is [out, in] (y = x·Wᵀ + b).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

# Control ids of the glm-tiny SentencePiece model (docs/tokenizer.md).
PAD, UNK, EOS, MASK, GMASK, SMASK, EOD, SOP, EOP = range(9)
MASK_IDS = (MASK, GMASK, SMASK)
LITERALS = {"[MASK]": MASK, "[gMASK]": GMASK, "[sMASK]": SMASK, "[sop]": SOP, "[eop]": EOP}
LITERAL_PATTERN = re.compile(r"\[(?:MASK|gMASK|sMASK|sop|eop)\]")
MASKED_SCORE = -10000.0


@dataclass(frozen=True)
class GLMConfig:
    num_layers: int = 4
    hidden_size: int = 256
    num_heads: int = 4
    ffn_hidden_size: int = 768
    vocab_size: int = 8000
    padded_vocab_size: int = 8000
    max_sequence_length: int = 512
    layernorm_eps: float = 1e-5
    rotary_base: float = 10000.0

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads

    @property
    def alpha(self) -> float:
        """DeepNorm's residual multiplier √(2·layers)."""
        return math.sqrt(2.0 * self.num_layers)

    def to_sdk_json(self, name: str = "glm-tiny") -> dict:
        """The model folder's config.json (field names of the SDK's GlmConfig + tokenizer/quantization)."""
        return {
            "name": name,
            "numLayers": self.num_layers,
            "hiddenSize": self.hidden_size,
            "numHeads": self.num_heads,
            "ffnHiddenSize": self.ffn_hidden_size,
            "vocabSize": self.vocab_size,
            "paddedVocabSize": self.padded_vocab_size,
            "maxSequenceLength": self.max_sequence_length,
            "layerNormEps": self.layernorm_eps,
            "rotary": "1d",
            "rotaryBase": int(self.rotary_base),
            "mlp": "geglu",
            "tiedOutput": True,
            "tokenizer": "sentencepiece",
            "quantization": "none",
        }

    @staticmethod
    def from_sdk_json(raw: dict) -> "GLMConfig":
        if raw.get("rotary", "1d") != "1d" or raw.get("mlp", "geglu") != "geglu" or raw.get("tiedOutput", True) is not True:
            raise ValueError("glm_torch implements GLM-130B only: 1-D rotary, GeGLU, tied output")
        return GLMConfig(
            num_layers=raw["numLayers"],
            hidden_size=raw["hiddenSize"],
            num_heads=raw["numHeads"],
            ffn_hidden_size=raw["ffnHiddenSize"],
            vocab_size=raw["vocabSize"],
            padded_vocab_size=raw["paddedVocabSize"],
            max_sequence_length=raw["maxSequenceLength"],
            layernorm_eps=raw.get("layerNormEps", 1e-5),
            rotary_base=float(raw.get("rotaryBase", 10000)),
        )


# ---------------------------------------------------------------------------------------------
# Pieces of the block.


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """concat(−x[d/2:], x[:d/2]): dimension i pairs with i + d/2 (NeoX style)."""
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rotary_tables(position_ids: torch.Tensor, dim: int, base: float, dtype: torch.dtype):
    """cos, sin [batch, 1, seq, dim] for 1-D rotary: inv_freq[i] = 1/base^(2i/dim), θ = pos·inv_freq,
    emb = concat(θ, θ). Computed in float64, then cast."""
    inv_freq = 1.0 / base ** (torch.arange(0, dim // 2, dtype=torch.float64, device=position_ids.device) * 2.0 / dim)
    theta = position_ids.to(torch.float64)[..., None] * inv_freq  # [batch, seq, dim/2]
    emb = torch.cat((theta, theta), dim=-1)[:, None, :, :]
    return emb.cos().to(dtype), emb.sin().to(dtype)


def glm_attention_mask(context_lengths: torch.Tensor, seq: int) -> torch.Tensor:
    """[batch, seq, seq] booleans, True = may attend: j < ctx or j ≤ i."""
    i = torch.arange(seq, device=context_lengths.device)[:, None]
    j = torch.arange(seq, device=context_lengths.device)[None, :]
    return (j[None] < context_lengths[:, None, None]) | (j <= i)[None]


def gelu_erf(x: torch.Tensor) -> torch.Tensor:
    """Exact GeLU x·Φ(x) (erf), not the tanh approximation."""
    return F.gelu(x, approximate="none")


class Attention(nn.Module):
    def __init__(self, cfg: GLMConfig, attention_dropout: float = 0.0):
        super().__init__()
        self.cfg = cfg
        h = cfg.hidden_size
        self.query_key_value = nn.Linear(h, 3 * h, bias=True)
        self.dense = nn.Linear(h, h, bias=True)
        self.attention_dropout = nn.Dropout(attention_dropout)

    def forward(self, a: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, seq, _ = a.shape
        n, d = self.cfg.num_heads, self.cfg.head_dim
        qkv = self.query_key_value(a).view(batch, seq, n, 3 * d).transpose(1, 2)  # [batch, heads, seq, 3d]
        q, k, v = qkv[..., :d], qkv[..., d : 2 * d], qkv[..., 2 * d :]
        # Rotary and scores in fp32 (also under autocast): the softmax runs in fp32.
        with torch.autocast(device_type=a.device.type, enabled=False):
            q = q.float()
            k = k.float()
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)  # [batch, heads, seq, seq]
            scores = scores.masked_fill(~mask[:, None, :, :], MASKED_SCORE)
            probs = torch.softmax(scores, dim=-1, dtype=torch.float32)
        probs = self.attention_dropout(probs)
        context = torch.matmul(probs.to(v.dtype), v)  # [batch, heads, seq, d]
        context = context.transpose(1, 2).reshape(batch, seq, n * d)  # head-major merge: h·d + t
        return self.dense(context)


class GeGLU(nn.Module):
    def __init__(self, cfg: GLMConfig):
        super().__init__()
        self.ffn = cfg.ffn_hidden_size
        self.dense_h_to_4h = nn.Linear(cfg.hidden_size, 2 * cfg.ffn_hidden_size, bias=True)
        self.dense_4h_to_h = nn.Linear(cfg.ffn_hidden_size, cfg.hidden_size, bias=True)

    def forward(self, m: torch.Tensor) -> torch.Tensor:
        up = self.dense_h_to_4h(m)
        x1, x2 = up[..., : self.ffn], up[..., self.ffn :]
        return self.dense_4h_to_h(x1 * gelu_erf(x2))


class Block(nn.Module):
    def __init__(self, cfg: GLMConfig, hidden_dropout: float = 0.0, attention_dropout: float = 0.0):
        super().__init__()
        self.alpha = cfg.alpha
        self.input_layernorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layernorm_eps)
        self.attention = Attention(cfg, attention_dropout)
        self.post_attention_layernorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layernorm_eps)
        self.mlp = GeGLU(cfg)
        self.hidden_dropout = nn.Dropout(hidden_dropout)

    def forward(self, x, cos, sin, mask):
        a = self.input_layernorm(x)
        h = a * self.alpha + self.hidden_dropout(self.attention(a, cos, sin, mask))
        m = self.post_attention_layernorm(h)
        return m * self.alpha + self.hidden_dropout(self.mlp(m))


class Transformer(nn.Module):
    def __init__(self, cfg: GLMConfig, hidden_dropout: float = 0.0, attention_dropout: float = 0.0):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.padded_vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList(Block(cfg, hidden_dropout, attention_dropout) for _ in range(cfg.num_layers))
        self.final_layernorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layernorm_eps)


class GLMModel(nn.Module):
    def __init__(self, cfg: GLMConfig, hidden_dropout: float = 0.0, attention_dropout: float = 0.0):
        super().__init__()
        self.cfg = cfg
        self.transformer = Transformer(cfg, hidden_dropout, attention_dropout)

    def init_weights(self, seed: int = 1234) -> None:
        """GLM-130B's DeepNorm initialisation: Xavier normal everywhere, scaled by β = (2N)^(−1/2) for the
        value part of QKV, the attention output and both MLP projections; biases 0; LayerNorm 1/0;
        embeddings N(0, 0.02²)."""
        g = torch.Generator().manual_seed(seed)
        cfg = self.cfg
        beta = (2.0 * cfg.num_layers) ** -0.5
        d = cfg.head_dim

        def xavier(w: torch.Tensor, gain: float) -> None:
            out, inner = w.shape
            std = gain * math.sqrt(2.0 / (out + inner))
            with torch.no_grad():
                w.copy_(torch.randn(w.shape, generator=g) * std)

        with torch.no_grad():
            self.transformer.word_embeddings.weight.copy_(torch.randn(self.transformer.word_embeddings.weight.shape, generator=g) * 0.02)
            for layer in self.transformer.layers:
                qkv = layer.attention.query_key_value.weight  # [3H, H], rows per head [q | k | v]
                xavier(qkv, 1.0)
                view = qkv.view(cfg.num_heads, 3 * d, cfg.hidden_size)
                view[:, 2 * d :, :] *= beta  # v_h rows of every head
                xavier(layer.attention.dense.weight, beta)
                xavier(layer.mlp.dense_h_to_4h.weight, beta)
                xavier(layer.mlp.dense_4h_to_h.weight, beta)
                for lin in (layer.attention.query_key_value, layer.attention.dense, layer.mlp.dense_h_to_4h, layer.mlp.dense_4h_to_h):
                    lin.bias.zero_()
            for mod in self.modules():
                if isinstance(mod, nn.LayerNorm):
                    mod.weight.fill_(1.0)
                    mod.bias.zero_()

    def forward(
        self,
        input_ids: torch.Tensor,
        position_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        context_lengths: torch.Tensor | None = None,
        embedding_shrink: float | None = None,
        return_hidden: bool = False,
    ) -> torch.Tensor:
        """input_ids, position_ids [batch, seq]. The mask is either given ([batch, seq, seq] booleans,
        True = may attend; training packs several samples into one row) or built from context_lengths
        with the spec's rule. embedding_shrink=α applies GLM-130B's `emb·α + emb.detach()·(1−α)`.
        Returns logits [batch, seq, paddedVocab] (or the final hidden states)."""
        seq = input_ids.shape[1]
        if attention_mask is None:
            if context_lengths is None:
                raise ValueError("give attention_mask or context_lengths")
            attention_mask = glm_attention_mask(context_lengths, seq)
        x = self.transformer.word_embeddings(input_ids)
        if embedding_shrink is not None:
            x = x * embedding_shrink + x.detach() * (1.0 - embedding_shrink)
        cos, sin = rotary_tables(position_ids, self.cfg.head_dim, self.cfg.rotary_base, torch.float32)
        for layer in self.transformer.layers:
            x = layer(x, cos, sin, attention_mask)
        x = self.transformer.final_layernorm(x)
        if return_hidden:
            return x
        return self.logits(x)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """Tied head: h·Eᵀ, no bias."""
        return F.linear(hidden, self.transformer.word_embeddings.weight)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------------------------
# Weights on disk.


def save_safetensors_fp16(model: GLMModel, path: str, metadata: dict | None = None) -> None:
    from safetensors.torch import save_file

    tensors = {name: t.detach().to("cpu", torch.float16).contiguous() for name, t in model.state_dict().items()}
    save_file(tensors, path, metadata=metadata)


def load_model(config_path: str, weights_path: str, dtype: torch.dtype = torch.float32, device: str = "cpu") -> GLMModel:
    """Read a model folder's config.json + safetensors (any float dtype) and cast to `dtype`."""
    from safetensors.torch import load_file

    with open(config_path, encoding="utf-8") as f:
        cfg = GLMConfig.from_sdk_json(json.load(f))
    model = GLMModel(cfg)
    tensors = load_file(weights_path)
    expected = set(model.state_dict().keys())
    if set(tensors) != expected:
        raise ValueError(f"weight names differ: missing {sorted(expected - set(tensors))}, unexpected {sorted(set(tensors) - expected)}")
    model.load_state_dict({k: v.to(dtype) for k, v in tensors.items()})
    return model.to(device=device, dtype=dtype).eval()


# ---------------------------------------------------------------------------------------------
# Prompts and greedy generation, following the spec's "Special tokens, mask and positions".


def encode_with_specials(text: str, encode_plain) -> list[int]:
    """The literal control strings become their ids; the text between them is encoded on its own
    (so a piece never spans a control token), as the release's generate.py does."""
    ids: list[int] = []
    start = 0
    for match in LITERAL_PATTERN.finditer(text):
        if match.start() > start:
            ids.extend(encode_plain(text[start : match.start()]))
        ids.append(LITERALS[match.group(0)])
        start = match.end()
    if start < len(text):
        ids.extend(encode_plain(text[start:]))
    return ids


def prepare_context(prompt_ids: list[int]) -> list[int]:
    """No mask token → append [gMASK]; not ending with a mask token → append eos."""
    context = list(prompt_ids)
    if not any(t in MASK_IDS for t in context):
        context.append(GMASK)
    if not context or context[-1] not in MASK_IDS:
        context.append(EOS)
    return context


def blank_to_fill(context: list[int]) -> int:
    """Index of the blank the release fills first: the first [MASK], else [sMASK], else [gMASK]."""
    for token in (MASK, SMASK, GMASK):
        if token in context:
            return context.index(token)
    raise ValueError("no mask token in the context")


def span_position(context: list[int], mask_index: int, k: int) -> int:
    """Position of the k-th token after the context (k = 0 is [sop]): [gMASK] continues counting,
    [MASK]/[sMASK] stay at the mask token's position."""
    if context[mask_index] == GMASK:
        return len(context) + k
    return mask_index


@torch.no_grad()
def greedy_fill(model: GLMModel, context: list[int], max_new_tokens: int = 32, device: str = "cpu"):
    """Greedy decoding of one blank: context + [sop], then argmax over ids < vocabSize until [eop]/eos
    or max_new_tokens. Recomputes the whole sequence every step (no cache). Returns
    (input_ids, position_ids, context_length, logits of the [sop] position, generated ids incl. the end
    token if one came, stop reason, top-1 − top-2 logit margin of every step)."""
    cfg = model.cfg
    mask_index = blank_to_fill(context)
    ctx = len(context)
    ids = list(context) + [SOP]
    positions = list(range(ctx)) + [span_position(context, mask_index, 0)]
    first_logits = None
    generated: list[int] = []
    margins: list[float] = []
    stop = "length"
    for step in range(max_new_tokens):
        input_ids = torch.tensor([ids], dtype=torch.long, device=device)
        position_ids = torch.tensor([positions], dtype=torch.long, device=device)
        logits = model(input_ids, position_ids, context_lengths=torch.tensor([ctx], device=device))[0, -1]
        if step == 0:
            first_logits = logits.float().cpu()
        top2 = torch.topk(logits[: cfg.vocab_size], 2)
        token = int(top2.indices[0])
        margins.append(float(top2.values[0] - top2.values[1]))
        generated.append(token)
        if token in (EOP, EOS):
            stop = "eop" if token == EOP else "eos"
            break
        ids.append(token)
        positions.append(span_position(context, mask_index, len(generated)))
    prompt_ids = list(context) + [SOP]
    prompt_positions = list(range(ctx)) + [span_position(context, mask_index, 0)]
    return prompt_ids, prompt_positions, ctx, first_logits, generated, stop, margins
