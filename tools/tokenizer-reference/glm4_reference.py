#!/usr/bin/env python3
"""Expected ids of GLM-4's tokenizer on the corpus, for tests/io/glm4-tokenizer.test.ts.

THUDM's glm-4 tokenization_chatglm.py encodes text as
    tiktoken.Encoding(pat_str=PAT, mergeable_ranks=<tokenizer.model>, special_tokens=…).encode(text, disallowed_special=())
Two references, the better one that is installed is used, and its name is written to the output:

- "tiktoken": the package itself (not installable on the machine this was written on: PyPI unreachable,
  no Debian package). Run this script where it is installed to get the authoritative ids. tiktoken's Rust
  core does run in the tests: tests/chat/glm4-tiktoken.test.ts uses the npm build (tiktoken 1.0.22, WASM).
- "regex+bpe": THUDM's pattern string unchanged, run by Python's `regex` module (Debian python3-regex;
  the module THUDM's tokenizer itself compiles the pattern with), and tiktoken's byte-pair merge
  (lowest-rank adjacent pair first, leftmost on ties) transcribed below. It checks the JavaScript
  translation of the regex (tiktoken runs it with Rust's fancy-regex, whose Unicode classes agree with
  `regex` on these strings) and the merge loop; it is not tiktoken.

Lone surrogates become U+FFFD first, as tiktoken does (UTF-16 round trip with errors="replace").

usage: glm4_reference.py TOKENIZER_MODEL CORPUS_JSON OUT_JSON
"""
import base64
import json
import sys

PAT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def load_ranks(path):
    ranks = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                token, rank = line.split()
                ranks[base64.b64decode(token)] = int(rank)
    return ranks


def well_formed(text):
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def byte_pair_encode(piece, ranks):
    if piece in ranks:
        return [ranks[piece]]
    parts = [piece[i : i + 1] for i in range(len(piece))]
    while True:
        best, at = None, None
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and (best is None or r < best):
                best, at = r, i
        if at is None:
            break
        parts[at : at + 2] = [parts[at] + parts[at + 1]]
    return [ranks[p] for p in parts]


def encoder(ranks):
    try:
        import tiktoken

        enc = tiktoken.Encoding(name="glm4", pat_str=PAT, mergeable_ranks=ranks, special_tokens={})
        return "tiktoken", lambda text: enc.encode(text, disallowed_special=())
    except ImportError:
        import regex

        pat = regex.compile(PAT)
        return "regex+bpe", lambda text: [i for m in pat.findall(well_formed(text)) for i in byte_pair_encode(m.encode("utf-8"), ranks)]


def main():
    model, corpus, out = sys.argv[1:4]
    ranks = load_ranks(model)
    name, encode = encoder(ranks)
    strings = json.load(open(corpus))["strings"]
    ids = [encode(s) for s in strings]
    with open(out, "w") as f:
        json.dump({"reference": name, "tokenizer": model.split("/")[-1], "ids": ids}, f, separators=(",", ":"))
    print(f"{name}: {len(strings)} strings, {sum(map(len, ids))} ids", file=sys.stderr)


if __name__ == "__main__":
    main()
