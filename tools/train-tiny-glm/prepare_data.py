#!/usr/bin/env python3
"""Tokenize the fortune corpus once, here, with Debian's `spm_encode --output_format=id` (the encoder our
TypeScript tokenizer matches 100 %), into small binary files that travel to the device machine.

    python3 tools/train-tiny-glm/prepare_data.py            # → tools/train-tiny-glm/data/

Outputs (git-ignored; name `tools/train-tiny-glm/data` in the device call's `carry`):
    {train,heldout}.tokens.u16   all lines' ids concatenated, uint16 little-endian
    {train,heldout}.offsets.i64  line starts, int64 little-endian, one more than the line count
    meta.json                    sizes, the encoder, SHA-256 of the inputs

Without spm_encode it falls back to python `sentencepiece`, which differs from spm_encode 0.1.97 on
ties between equal-score segmentations (≈1 % of lines, runs of box-drawing characters); the encoder used
is recorded in meta.json.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def encode_lines(model, path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if shutil.which("spm_encode"):
        out = subprocess.run(
            ["spm_encode", f"--model={model}", "--output_format=id"],
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=True,
        ).stdout.split("\n")
        if out and out[-1] == "":
            out.pop()
        ids = [[int(t) for t in line.split()] for line in out]
        encoder = "spm_encode " + subprocess.run(["spm_encode", "--version"], capture_output=True, text=True).stdout.strip()
    else:
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_file=model)
        ids = sp.encode(lines)
        encoder = f"python sentencepiece {spm.__version__}"
    if len(ids) != len(lines):
        sys.exit(f"{path}: {len(lines)} lines but {len(ids)} encoded lines")
    return ids, encoder


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join(ROOT, "tools/corpus/out"))
    ap.add_argument("--out", default=os.path.join(HERE, "data"))
    args = ap.parse_args()
    model = os.path.join(args.corpus, "glm-tiny-spm.model")
    os.makedirs(args.out, exist_ok=True)
    meta = {"model": os.path.relpath(model, ROOT), "model_sha256": sha256(model), "splits": {}}
    for split in ("train", "heldout"):
        path = os.path.join(args.corpus, f"{split}.txt")
        ids, encoder = encode_lines(model, path)
        lengths = np.array([len(x) for x in ids], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype("<i8")
        tokens = np.fromiter((t for line in ids for t in line), dtype="<u2", count=int(offsets[-1]))
        tokens.tofile(os.path.join(args.out, f"{split}.tokens.u16"))
        offsets.tofile(os.path.join(args.out, f"{split}.offsets.i64"))
        meta["encoder"] = encoder
        meta["splits"][split] = {
            "source": os.path.relpath(path, ROOT),
            "sha256": sha256(path),
            "lines": len(ids),
            "tokens": int(offsets[-1]),
            "empty_lines": int((lengths == 0).sum()),
            "max_line_tokens": int(lengths.max()),
        }
        print(f"{split}: {len(ids)} lines, {int(offsets[-1])} tokens ({encoder})")
    with open(os.path.join(args.out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()
