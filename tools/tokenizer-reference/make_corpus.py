#!/usr/bin/env python3
"""Write the tokenizer test corpus (tests/io/fixtures/tokenizer-corpus.json): a JSON list of strings,
deterministic (fixed seed, text taken from git at a fixed commit). Kinds, with counts printed:
Chinese and English prose lines (docs), source code lines, emoji (ZWJ sequences, flags, skin tones),
whitespace runs (spaces, tabs, CR/LF, NEL U+0085, NBSP, U+3000, U+FEFF), contractions in every case
(including U+017F), digits of several scripts, control characters, and invalid input (lone UTF-16
surrogates, which JSON carries as \\udXXX escapes).

usage: make_corpus.py REPO_ROOT COMMIT OUT
"""
import json
import random
import subprocess
import sys

DOCS = ["docs/tokenizer.md", "README.md", "docs/glm-family-ops.md", "docs/weights.md"]
CODE = ["core/io/tokenizer.ts", "core/generate/fill-blanks.ts", "tools/corpus/build_corpus.py", "cli/run-command.ts"]
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🇨🇳", "🇺🇸", "❤️", "🧑🏿‍💻", "🐉", "✨", "🀄", "1️⃣", "🏳️‍🌈"]
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\u0085", "\u00a0", "\u3000", "\ufeff", "\u2028", "\u200b", "\v", "\f"]
WORDS = ["hello", "GLM", "模型", "的", "tokenizer", "ΔΣ", "привет", "naïve", "e\u0301", "ﬁ", "Ⅻ", "x2"]
CONTRACTIONS = ["'s", "'S", "'t", "'T", "'re", "'RE", "'Re", "'ve", "'VE", "'m", "'M", "'ll", "'LL", "'d", "'D", "'ſ", "'K"]
DIGITS = ["0", "7", "42", "123", "1234", "1234567", "3.14159", "١٢٣٤", "४२", "½", "²", "一二三", "10,000"]
INVALID = ["\ud800", "\udfff", "a\ud83dz", "\ude00b", "\ud800\ud800", "x\udc00\ud800y"]
CONTROLS = ["\x00", "\x01", "\x1b[31m", "\x7f", "\u202e", "\ufffd"]


def git_lines(root, commit, path):
    text = subprocess.run(["git", "-C", root, "show", f"{commit}:{path}"], capture_output=True, check=True).stdout.decode("utf-8")
    return [l for l in text.split("\n") if l.strip()]


def main():
    root, commit, out = sys.argv[1:4]
    rng = random.Random(27)
    corpus = {}
    prose = [l for p in DOCS for l in git_lines(root, commit, p)]
    corpus["prose (docs lines, Chinese and English)"] = rng.sample(prose, 300)
    code = [l for p in CODE for l in git_lines(root, commit, p)]
    corpus["code lines (indentation kept)"] = rng.sample(code, 200)
    pools = {"emoji": EMOJI, "whitespace": SPACES, "contractions": CONTRACTIONS, "digits": DIGITS, "invalid": INVALID, "controls": CONTROLS}
    for name, pool in pools.items():
        made = []
        for _ in range(100):
            parts = []
            for _ in range(rng.randint(1, 6)):
                pick = rng.random()
                parts.append(rng.choice(pool) * (rng.randint(1, 5) if name == "whitespace" else 1) if pick < 0.5 else rng.choice(WORDS + SPACES[:3]))
            made.append("".join(parts))
        corpus[name] = made
    corpus["edge"] = ["", " ", "  ", "\n\n\n", "a" * 300, "的" * 200, " " * 81, "\t\t  \n  x", "don't DON'T Don'T", "12345678901234567890"]
    strings = [s for v in corpus.values() for s in v]
    for k, v in corpus.items():
        print(f"{len(v):5d}  {k}", file=sys.stderr)
    print(f"{len(strings):5d}  total", file=sys.stderr)
    with open(out, "w") as f:
        json.dump({"commit": commit, "kinds": {k: len(v) for k, v in corpus.items()}, "strings": strings}, f, ensure_ascii=True, indent=0)


if __name__ == "__main__":
    main()
