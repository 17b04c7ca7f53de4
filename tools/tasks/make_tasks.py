#!/usr/bin/env python3
"""Builds the shipped evaluation tasks from the HELD-OUT corpus split (tools/corpus/out/heldout.txt),
which the tiny model never trained on. Deterministic (seeded). Writes tasks/fortunes/*.yaml and data.

Tasks:
  zh-next-clause (mul)  a Chinese proverb or verse line: after its first clause, pick the true second
                        clause among four (three from other held-out lines of similar length). Chance 25%.
  en-cloze       (mul)  an English fortune with one word replaced by [MASK]: pick the word among four
                        (three random words from other held-out fortunes). Chance 25%.
  en-last-word   (gen)  an English fortune whose last word is a [MASK] blank: generate it (EM, F1).
  heldout-ppl    (lm)   perplexity per whitespace word on held-out English lines (Chinese has no
                        whitespace words, so the release's per-word perplexity is not defined for it).
"""
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "tools/corpus/out/heldout.txt"
OUT = ROOT / "tasks/fortunes"
HAN = re.compile(r"[\u4e00-\u9fff]")


def is_chinese(line):
    return len(HAN.findall(line)) > len(line) / 3


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def zh_next_clause(lines, rng):
    pairs = []
    for line in lines:
        text = line.split(" --")[0].strip()
        m = re.fullmatch(r"([\u4e00-\u9fff]{4,12})，([\u4e00-\u9fff]{4,12})[。！？]", text)
        if m:
            pairs.append((m.group(1), m.group(2)))
    rows = []
    for i, (first, second) in enumerate(pairs):
        # Same length as the answer: the summed log-probability must not win by preferring short choices.
        others = [s for j, (_, s) in enumerate(pairs) if j != i and len(s) == len(second) and s != second]
        if len(others) < 3:
            continue
        choices = rng.sample(others, 3) + [second]
        rng.shuffle(choices)
        rows.append({"inputs_pretokenized": first + "，", "choices_pretokenized": choices, "label": choices.index(second)})
    return rows[:120]


WORD = re.compile(r"^[A-Za-z]{5,12}$")


def en_cloze(lines, rng):
    short = [l.split(" -- ")[0].strip() for l in lines if len(l) <= 200]
    vocabulary = sorted({w for l in short for w in l.split() if WORD.match(w)})
    rows = []
    for text in short:
        words = text.split()
        candidates = [k for k, w in enumerate(words) if k > 0 and WORD.match(w)]
        if len(words) < 5 or not candidates:
            continue
        k = rng.choice(candidates)
        answer = words[k]
        same_length = [w for w in vocabulary if len(w) == len(answer) and w.lower() != answer.lower()]
        if len(same_length) < 3:
            continue
        distractors = rng.sample(same_length, 3)
        choices = distractors + [answer]
        rng.shuffle(choices)
        inputs = " ".join(words[:k] + ["[MASK]"] + words[k + 1 :])
        rows.append({"inputs_pretokenized": inputs, "choices_pretokenized": [" " + c for c in choices], "label": choices.index(answer)})
    return rows[:120]


def en_last_word(lines, rng):
    rows = []
    for line in lines:
        text = line.split(" -- ")[0].strip()
        words = text.split()
        if not (5 <= len(words) <= 16) or not re.fullmatch(r"[A-Za-z]+[.!?]", words[-1]):
            continue
        # The blank is a short [MASK] span before the final punctuation, the form the model was trained on.
        rows.append({"inputs_pretokenized": " ".join(words[:-1]) + " [MASK]" + words[-1][-1], "targets_pretokenized": [words[-1][:-1]]})
    rng.shuffle(rows)
    return rows[:30]


def main():
    if not SOURCE.exists():
        sys.exit(f"{SOURCE} is missing: run tools/corpus/build-corpus.sh first")
    lines = [l.rstrip("\n") for l in SOURCE.read_text(encoding="utf-8").splitlines() if l.strip()]
    zh = [l for l in lines if is_chinese(l)]
    en = [l for l in lines if not is_chinese(l)]
    rng = random.Random(1234)
    write_jsonl(OUT / "zh-next-clause/test.jsonl", zh_next_clause(zh, rng))
    write_jsonl(OUT / "en-cloze/test.jsonl", en_cloze(en, rng))
    write_jsonl(OUT / "en-last-word/test.jsonl", en_last_word(en, rng))
    write_jsonl(OUT / "heldout-ppl/en.jsonl", [{"inputs_pretokenized": "", "targets_pretokenized": l.split(" -- ")[0]} for l in en if len(l) <= 300][:80])
    yaml = {
        "zh-next-clause.yaml": "name: zh-next-clause\ntype: mul\npath: zh-next-clause\nfile-pattern: \"*.jsonl\"\nmetrics: [Accuracy]\nmax_seq_length: 256\n",
        "en-cloze.yaml": "name: en-cloze\ntype: mul\npath: en-cloze\nfile-pattern: \"*.jsonl\"\nmetrics: [Accuracy]\nmax_seq_length: 256\n",
        "en-last-word.yaml": "name: en-last-word\ntype: gen\npath: en-last-word\nfile-pattern: \"*.jsonl\"\nmetrics: [EM, F1]\nsampling_strategy: BaseStrategy\nmax_gen_length: 6\nmax_seq_length: 256\n",
        "heldout-ppl.yaml": "name: heldout-ppl\ntype: lm\npath: heldout-ppl\nfile-pattern:\n  en: en.jsonl\nmetrics: [PPL]\ngeneration_length: 256\nmax_seq_length: 512\n",
    }
    for name, text in yaml.items():
        (OUT / name).write_text("# Generated by tools/tasks/make_tasks.py from the held-out corpus split.\n" + text, encoding="utf-8")
    for p in sorted(OUT.rglob("*.jsonl")):
        print(p.relative_to(ROOT), sum(1 for _ in p.open(encoding="utf-8")))


if __name__ == "__main__":
    main()
