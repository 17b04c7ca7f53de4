#!/usr/bin/env python3
"""Golden outputs of the tiny GLM, written by the PyTorch implementation (glm_torch.py) in float32.

    python3 tools/train-tiny-glm/golden.py --model models/glm-tiny [--out models/glm-tiny/golden.json]

The fp16 weights are read and cast to float32; everything runs in float32 on the CPU (no TF32), the
rotary tables in float64 then cast. For each prompt:
  * input ids by the spec's rules: the text between control literals ([MASK] [gMASK] [sMASK] [sop]
    [eop]) encoded with SentencePiece (spm_encode when installed, checked against python
    sentencepiece; else python sentencepiece), the literals as their ids; no mask token → [gMASK]
    appended (the text as the model sees it gets " [gMASK]"); not ending with a mask token → eos; then
    [sop]. context_length = index of [sop].
  * position ids: arange over the context; [sop] and the generated tokens take the mask token's
    position for [MASK]/[sMASK] and just continue for [gMASK]. The blank filled is the first [MASK],
    else the first [sMASK], else the first [gMASK] (the release's order).
  * logits_last: the float32 logits at the [sop] position (all paddedVocabSize values, 7 significant
    digits).
  * greedy: argmax over ids < vocabSize, at most 32 tokens, ending at [eop] or eos (the end token is in
    `ids_with_end`, not in `ids`), recomputing the whole sequence each step (no cache); `text` is the
    decoded span, `filled_text` the prompt with the blank replaced by it; `min_top2_margin` the smallest
    gap between the best and second-best logit over the steps (how far greedy is from a tie).
"""
import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from glm_torch import (  # noqa: E402
    EOP,
    EOS,
    GMASK,
    MASK,
    MASK_IDS,
    SMASK,
    blank_to_fill,
    encode_with_specials,
    greedy_fill,
    load_model,
    prepare_context,
)

PROMPTS = [
    # (name, language, text)
    ("en-mask-proverb", "en", "The early bird catches the [MASK]."),
    ("en-mask-fool", "en", "A fool and his [MASK] are soon parted."),
    ("en-smask", "en", "If at first you don't succeed, [sMASK] Then quit."),
    ("en-gmask-qa", "en", "Q: How many programmers does it take to change a light bulb? A: [gMASK]"),
    ("en-nomask", "en", "The best way to predict the future is"),
    ("zh-mask-libai", "zh", "床前明月光，疑是地上[MASK]。"),
    ("zh-mask-lunyu", "zh", "学而时习之，不亦[MASK]乎？"),
    ("zh-smask", "zh", "千里之行，始于足下。[sMASK]"),
    ("zh-gmask-poem", "zh", "白日依山尽，[gMASK]"),
    ("zh-nomask", "zh", "春眠不觉晓，"),
]

MASK_NAMES = {MASK: "[MASK]", SMASK: "[sMASK]", GMASK: "[gMASK]"}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Encoder:
    def __init__(self, model_path):
        import sentencepiece as spm

        self.sp = spm.SentencePieceProcessor(model_file=model_path)
        self.model_path = model_path
        self.spm_encode = shutil.which("spm_encode")
        self.checked = 0

    def encode(self, text):
        ids = self.sp.encode(text)
        if self.spm_encode:
            out = subprocess.run([self.spm_encode, f"--model={self.model_path}", "--output_format=id"], input=text + "\n",
                                 capture_output=True, text=True, encoding="utf-8", check=True).stdout
            ref = [int(t) for t in out.split()]
            if ref != ids:
                print(f"note: spm_encode and python sentencepiece differ on {text!r}: {ref} vs {ids}; using spm_encode", file=sys.stderr)
                ids = ref
            self.checked += 1
        return ids

    def decode(self, ids):
        return self.sp.decode([i for i in ids if i >= 9 or i == 1])


def splice(context, at, span):
    return context[:at] + span + context[at + 1 :]


def decode_with_specials(enc, ids):
    """Control ids as their literal strings; eos/pad/eod as nothing (as the SDK's decode)."""
    literal = {MASK: "[MASK]", GMASK: "[gMASK]", SMASK: "[sMASK]", 7: "[sop]", EOP: "[eop]"}
    text, run = "", []

    def flush():
        nonlocal text, run
        if run:
            piece = enc.sp.id_to_piece(run[0])
            # Only the very start of the text loses the dummy-prefix space.
            text += (" " if text and piece.startswith("\u2581") else "") + enc.decode(run)
            run = []

    for i in ids:
        if i in literal or i in (0, EOS, 6):
            flush()
            text += literal.get(i, "")
        else:
            run.append(i)
    flush()
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="folder with config.json, model.safetensors, tokenizer.model")
    ap.add_argument("--tokenizer", default=None, help="default: MODEL/tokenizer.model")
    ap.add_argument("--out", default=None, help="default: MODEL/golden.json")
    ap.add_argument("--max-new-tokens", type=int, default=32)
    args = ap.parse_args()
    tok_path = args.tokenizer or os.path.join(args.model, "tokenizer.model")
    out_path = args.out or os.path.join(args.model, "golden.json")
    weights = os.path.join(args.model, "model.safetensors")

    torch.backends.cuda.matmul.allow_tf32 = False
    model = load_model(os.path.join(args.model, "config.json"), weights, dtype=torch.float32, device="cpu")
    cfg = model.cfg
    enc = Encoder(tok_path)

    entries = []
    for name, lang, text in PROMPTS:
        prompt_ids = encode_with_specials(text, enc.encode)
        has_mask = any(t in MASK_IDS for t in prompt_ids)
        input_text = text if has_mask else f"{text} [gMASK]"
        context = prepare_context(prompt_ids)
        at = blank_to_fill(context)
        ids, positions, ctx, logits, generated, stop, margins = greedy_fill(model, context, args.max_new_tokens)
        span = [t for t in generated if t not in (EOP, EOS)]
        entry = {
            "name": name,
            "language": lang,
            "text": text,
            "input_text": input_text,
            "mask_token": MASK_NAMES[context[at]],
            "mask_index": at,
            "input_ids": ids,
            "position_ids": positions,
            "context_length": ctx,
            "logits_last_argmax": int(torch.argmax(logits[: cfg.vocab_size])),
            "logits_last_top5": [[int(i), float(f"{float(v):.7g}")] for v, i in zip(*torch.topk(logits[: cfg.vocab_size], 5))],
            "greedy": {
                "ids": span,
                "ids_with_end": generated,
                "end": stop if stop != "length" else None,
                "text": enc.decode(span),
                "filled_text": decode_with_specials(enc, [t for t in splice(context, at, span) if t != EOS]),
                "min_top2_margin": round(min(margins), 6),
            },
            "logits_last": [float(f"{v:.7g}") for v in logits.tolist()],
        }
        entries.append(entry)
        print(f"{name:16} ctx {ctx:3d} {entry['mask_token']:8} argmax {entry['logits_last_argmax']:5d} → {entry['greedy']['text']!r} ({stop})")

    golden = {
        "what": "fp32 logits at the [sop] position and greedy continuations of the tiny GLM (PyTorch, glm_torch.py)",
        "written_by": "tools/train-tiny-glm/golden.py",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "torch": torch.__version__,
        "compute": "float32 on CPU (weights: fp16 file cast to float32; rotary tables float64 then cast)",
        "weights_sha256": sha256(weights),
        "tokenizer_sha256": sha256(tok_path),
        "tokenizer_checked_with_spm_encode": enc.checked > 0,
        "vocabSize": cfg.vocab_size,
        "paddedVocabSize": cfg.padded_vocab_size,
        "max_new_tokens": args.max_new_tokens,
        "special_ids": {"pad": 0, "unk": 1, "eos": EOS, "[MASK]": MASK, "[gMASK]": GMASK, "[sMASK]": SMASK, "eod": 6, "[sop]": 7, "[eop]": EOP},
        "rules": __doc__.split("\n\n", 2)[2].strip(),
        "prompts": entries,
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, separators=(",", ":"))
    print(f"wrote {out_path} ({os.path.getsize(out_path):,} bytes)")


if __name__ == "__main__":
    main()
