#!/usr/bin/env python3
"""Train a small byte-level BPE vocabulary in GLM-4's tokenizer.model format (one `base64(token) rank`
a line): ranks 0-255 are the single bytes, then one rank per merge, most frequent pair first (ties: the
smaller pair of byte strings). Standard library only; deterministic.

The real GLM-4 file (151,329 ranks) is not reachable here; this one exercises the same code paths
(multi-byte UTF-8 tokens, merges across CJK bytes, whitespace tokens) for tests/io/glm4-tokenizer.test.ts
and the tiny chat model of tests/chat/.

usage: train_tiny_glm4_bpe.py OUT MERGES FILE...   (the committed file: 700 merges over README.md docs/tokenizer.md)
"""
import base64
import collections
import re
import sys


def words(text):
    # A rough split (letters, digits, other, whitespace); the tokenizer's own regex decides pieces at encode time.
    return re.findall(r"\s+|[^\W\d_]+|\d+|[^\w\s]+", text)


def train(texts, merges):
    counts = collections.Counter(w.encode("utf-8") for t in texts for w in words(t))
    seqs = {w: [bytes([b]) for b in w] for w in counts}
    vocab = [bytes([b]) for b in range(256)]
    for _ in range(merges):
        pairs = collections.Counter()
        for w, parts in seqs.items():
            for a, b in zip(parts, parts[1:]):
                pairs[(a, b)] += counts[w]
        if not pairs:
            break
        (a, b), _n = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        joined = a + b
        vocab.append(joined)
        for w, parts in seqs.items():
            out, i = [], 0
            while i < len(parts):
                if i + 1 < len(parts) and parts[i] == a and parts[i + 1] == b:
                    out.append(joined)
                    i += 2
                else:
                    out.append(parts[i])
                    i += 1
            seqs[w] = out
    return vocab


def main():
    out, merges, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    texts = [open(f, encoding="utf-8").read() for f in files]
    vocab = train(texts, merges)
    with open(out, "w") as f:
        for rank, token in enumerate(vocab):
            f.write(f"{base64.b64encode(token).decode()} {rank}\n")


if __name__ == "__main__":
    main()
