#!/usr/bin/env python3
"""Expected ids of the ChatGLM-6B and ChatGLM2/3 tokenizers on the corpus, by the reference package:
Python `sentencepiece` (Debian python3-sentencepiece) with THUDM's arithmetic around it, transcribed
from THUDM's tokenization_chatglm.py:

- chatglm-6b (`SPTokenizer`, num_image_tokens=0): ids = sp.encode(_preprocess(text)) where _preprocess
  turns "\\n" into <n>, "\\t" into <|tab|> and runs of 2-80 spaces into <|blank_N|> (longest first);
  text = sp.decode(ids) with those pieces turned back.
- chatglm2/3: ids = sp.encode(text); special tokens numbered from sp.vocab_size() up.

A string the reference cannot encode (lone surrogates: sentencepiece raises UnicodeEncodeError, and so
does THUDM's tokenizer) is written with "raises": true and the ids of the string with U+FFFD in their
place, which is what the TypeScript tokenizers give.

usage: chatglm_reference.py CHATGLM6B_MODEL CHATGLM2_MODEL CORPUS_JSON OUT_JSON
"""
import json
import sys

import sentencepiece


def preprocess(text):
    text = text.replace("\n", "<n>").replace("\t", "<|tab|>")
    for i in range(80, 1, -1):
        text = text.replace(" " * i, f"<|blank_{i}|>")
    return text


def postprocess(text):
    text = text.replace("<n>", "\n").replace("<|tab|>", "\t")
    for i in range(2, 81):
        text = text.replace(f"<|blank_{i}|>", " " * i)
    return text


def well_formed(text):
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def run(encode, decode, strings):
    out = []
    for s in strings:
        raises = False
        try:
            s.encode("utf-8")
        except UnicodeEncodeError:
            raises = True
        ids = encode(well_formed(s))
        out.append({"ids": ids, "text": decode(ids), **({"raises": True} if raises else {})})
    return out


def main():
    m6b, m2, corpus, out = sys.argv[1:5]
    strings = json.load(open(corpus))["strings"]
    sp6 = sentencepiece.SentencePieceProcessor(model_file=m6b)
    sp2 = sentencepiece.SentencePieceProcessor(model_file=m2)
    n = sp2.vocab_size()
    result = {
        "reference": f"sentencepiece {sentencepiece.__version__}",
        "chatglm6b": {"pieces": sp6.vocab_size(), "special": {p: sp6.piece_to_id(p) for p in ["[MASK]", "[gMASK]", "[sMASK]", "<sop>", "<eop>", "<pad>"]},
                      "cases": run(lambda t: sp6.encode(preprocess(t)), lambda ids: postprocess(sp6.decode(ids)), strings)},
        "chatglm2": {"pieces": n, "special": {p: n + i for i, p in enumerate(["[MASK]", "[gMASK]", "[sMASK]", "sop", "eop", "<|system|>", "<|user|>", "<|assistant|>", "<|observation|>"])},
                     "cases": run(lambda t: sp2.encode(t), lambda ids: sp2.decode(ids), strings)},
    }
    with open(out, "w") as f:
        json.dump(result, f, ensure_ascii=True, separators=(",", ":"))
    print(f"{result['reference']}: {len(strings)} strings; chatglm6b {sum(len(c['ids']) for c in result['chatglm6b']['cases'])} ids, "
          f"chatglm2 {sum(len(c['ids']) for c in result['chatglm2']['cases'])} ids", file=sys.stderr)


if __name__ == "__main__":
    main()
