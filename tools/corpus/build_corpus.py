#!/usr/bin/env python3
"""Build the fortune corpus: one cleaned entry per line, deduplicated, shuffled, split per source.

Called by build-corpus.sh, which installs the Debian packages and passes the fortune files with the
package that owns each one. Standard library only, so it runs on any Python 3.8+.

Cleaning (docs/tokenizer.md explains the choices):
  * entries are the blocks between lines holding only `%`;
  * terminal escapes (ANSI colour codes of fortunes-zh) are removed, BEL is dropped and backspace
    overstrike (`_\\bx`, `____\\b\\b\\b\\bdoes`) is resolved as a terminal shows it;
  * UTF-8 that was decoded as Latin-1 somewhere upstream ("donâ\\x80\\x99t") is repaired;
  * lines are joined into one: with nothing between two wide (CJK) characters, because Chinese
    prose is wrapped mid-sentence, and with one space otherwise; a blank line or a line that was
    coloured (title, author, attribution) is its own segment and is joined with a space;
  * every run of whitespace becomes one space; the text is otherwise left as it is (no NFKC here:
    normalisation is the tokenizer's job, so the corpus keeps what the tokenizer will meet).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import unicodedata
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MOJIBAKE = re.compile(r"[\u00c2-\u00f4][\u0080-\u00bf]{1,3}")
WHITESPACE = re.compile(r"\s+")


def split_entries(text: str) -> list[str]:
    """Blocks between lines that hold only `%` (fortune's strfile format)."""
    entries: list[str] = []
    block: list[str] = []
    for line in text.split("\n"):
        if line.rstrip("\r") == "%":
            entries.append("\n".join(block))
            block = []
        else:
            block.append(line)
    entries.append("\n".join(block))
    return [e for e in entries if e.strip()]


def resolve_overstrike(line: str) -> str:
    """Backspace deletes the character before it (what a terminal shows); BEL is dropped."""
    out: list[str] = []
    for ch in line:
        if ch == "\b":
            if out:
                out.pop()
        elif ch == "\a":
            continue
        else:
            out.append(ch)
    return "".join(out)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 bytes shown as Latin-1 characters, repeatedly (some text was mangled twice)."""

    def fix(match: re.Match[str]) -> str:
        chunk = match.group(0)
        try:
            return chunk.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return chunk

    for _ in range(3):
        fixed = MOJIBAKE.sub(fix, text)
        if fixed == text:
            break
        text = fixed
    return text


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def clean_entry(entry: str) -> str:
    """One fortune entry as one line (see the module docstring)."""
    out = ""
    segment_break = False  # a blank line or a coloured line since the last text
    for raw in entry.split("\n"):
        coloured = "\x1b" in raw
        line = repair_mojibake(resolve_overstrike(ANSI.sub("", raw)))
        line = "".join(ch for ch in line if ch == "\t" or unicodedata.category(ch) != "Cc")
        line = WHITESPACE.sub(" ", line).strip()
        if not line:
            segment_break = True
            continue
        if not out:
            out = line
        elif not (segment_break or coloured) and is_wide(out[-1]) and is_wide(line[0]):
            out += line
        else:
            out += " " + line
        segment_break = coloured
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", action="append", required=True, metavar="PACKAGE:LANG:PATH",
                    help="a fortune file, the Debian package that owns it and its language (en or zh)")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--heldout", type=float, default=0.05, help="fraction of each source held out")
    args = ap.parse_args()

    sources = []
    for spec in args.source:
        package, lang, path = spec.split(":", 2)
        sources.append((Path(path).name, package, lang, Path(path)))
    sources.sort(key=lambda s: s[0])

    seen: set[str] = set()
    report: dict[str, dict[str, object]] = {}
    train: list[str] = []
    heldout: list[str] = []
    for name, package, lang, path in sources:
        raw = split_entries(path.read_text(encoding="utf-8", errors="replace"))
        kept: list[str] = []
        empty = duplicates = 0
        for entry in raw:
            line = clean_entry(entry)
            if not line:
                empty += 1
            elif line in seen:
                duplicates += 1
            else:
                seen.add(line)
                kept.append(line)
        # Stratified split: each source is shuffled with its own seeded generator and contributes
        # round(fraction * n) entries (at least one, when it has two or more) to the held-out set.
        random.Random(f"{args.seed}:{name}").shuffle(kept)
        n_held = 0 if len(kept) < 2 else min(len(kept) - 1, max(1, round(args.heldout * len(kept))))
        heldout.extend(kept[:n_held])
        train.extend(kept[n_held:])
        report[name] = {
            "package": package,
            "language": lang,
            "file": str(path),
            "sha256": sha256(path),
            "entries": len(raw),
            "empty": empty,
            "duplicates": duplicates,
            "kept": len(kept),
            "train": len(kept) - n_held,
            "heldout": n_held,
            "train_chars": sum(len(x) for x in kept[n_held:]),
            "heldout_chars": sum(len(x) for x in kept[:n_held]),
        }

    rng = random.Random(args.seed)
    rng.shuffle(train)
    rng.shuffle(heldout)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "train.txt").write_text("".join(x + "\n" for x in train), encoding="utf-8")
    (args.out / "heldout.txt").write_text("".join(x + "\n" for x in heldout), encoding="utf-8")

    def totals(lang: str | None) -> dict[str, int]:
        rows = [r for r in report.values() if lang is None or r["language"] == lang]
        keys = ["entries", "empty", "duplicates", "kept", "train", "heldout", "train_chars", "heldout_chars"]
        return {k: sum(int(r[k]) for r in rows) for k in keys}  # type: ignore[call-overload]

    summary = {
        "seed": args.seed,
        "heldout_fraction": args.heldout,
        "totals": {"all": totals(None), "en": totals("en"), "zh": totals("zh")},
        "train_bytes": (args.out / "train.txt").stat().st_size,
        "heldout_bytes": (args.out / "heldout.txt").stat().st_size,
        "sources": report,
    }
    (args.out / "sources.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    t = summary["totals"]["all"]
    print(f"corpus: {t['train']} train / {t['heldout']} held-out entries from {len(report)} sources "
          f"({t['duplicates']} duplicates dropped) -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
