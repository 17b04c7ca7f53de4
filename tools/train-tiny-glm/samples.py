#!/usr/bin/env python3
"""Greedy samples of a model folder with glm_torch.py (float32, CPU): every blank filled in the
release's order ([MASK], then [sMASK], then [gMASK]; each span spliced in before the next).

    python3 tools/train-tiny-glm/samples.py --model models/glm-tiny "The early bird catches the [MASK]." "白日依山尽，[gMASK]"
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from glm_torch import EOP, EOS, GMASK, MASK, SMASK, encode_with_specials, greedy_fill, load_model, prepare_context  # noqa: E402
from golden import Encoder, decode_with_specials  # noqa: E402


def fill_all(model, enc, text, max_new_tokens=64):
    context = prepare_context(encode_with_specials(text, enc.encode))
    blanks = []
    for mask in (MASK, SMASK, GMASK):
        while mask in context:
            at = context.index(mask)
            _, _, _, _, generated, stop, _ = greedy_fill(model, context, max_new_tokens)
            span = [t for t in generated if t not in (EOP, EOS)]
            blanks.append(enc.decode(span))
            context = context[:at] + span + context[at + 1 :]
    return decode_with_specials(enc, [t for t in context if t != EOS]), blanks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="models/glm-tiny")
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("prompts", nargs="+")
    args = ap.parse_args()
    model = load_model(os.path.join(args.model, "config.json"), os.path.join(args.model, "model.safetensors"), torch.float32, "cpu")
    enc = Encoder(os.path.join(args.model, "tokenizer.model"))
    for text in args.prompts:
        filled, blanks = fill_all(model, enc, text, args.max_new_tokens)
        print(f"{text}\n  → {filled}\n  blanks: {blanks}")


if __name__ == "__main__":
    main()
