#!/bin/sh
# Train the two small SentencePiece vocabularies of the ChatGLM tokenizer checks (Debian's spm_train,
# one thread, fixed seed: deterministic), on the project's docs at a fixed commit:
#   chatglm6b-tiny.model  ChatGLM-6B's ice_text.model layout: unigram, byte fallback, <pad> at 3, and
#                         THUDM's pieces as user-defined symbols ([MASK] [gMASK] [sMASK] <unused_0> <sop>
#                         <eop> <ENC> <dBLOCK>, <n>, <|tab|>, <|blank_2|> … <|blank_80|>)
#   chatglm2-tiny.model   ChatGLM2/3's tokenizer.model layout: BPE with byte fallback, no GLM pieces (the
#                         tokenizer appends [MASK] [gMASK] [sMASK] sop eop, and ChatGLM3's role tokens)
# The real files (130,344 and 64,789 pieces) are not reachable here; the tokenizers load them unchanged.
# usage: tools/tokenizer-reference/train_chatglm_spm.sh COMMIT OUT_DIR
set -eu
commit=$1
out=$2
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
for f in README.md docs/tokenizer.md docs/glm-family-ops.md docs/weights.md docs/architecture.md docs/api.md; do
  git -C "$root" show "$commit:$f" >> "$tmp/train.txt"
done
blanks=$(seq 2 80 | sed 's/.*/<|blank_&|>/' | paste -sd, -)
spm_train --input="$tmp/train.txt" --model_prefix="$out/chatglm6b-tiny" --model_type=unigram --vocab_size=3000 \
  --hard_vocab_limit=false --byte_fallback=true --pad_id=3 --character_coverage=0.9995 --num_threads=1 --random_seed=27 \
  --user_defined_symbols="[MASK],[gMASK],[sMASK],<unused_0>,<sop>,<eop>,<ENC>,<dBLOCK>,<n>,<|tab|>,$blanks" >/dev/null 2>"$tmp/log6b"
spm_train --input="$tmp/train.txt" --model_prefix="$out/chatglm2-tiny" --model_type=bpe --vocab_size=3000 \
  --hard_vocab_limit=false --byte_fallback=true --character_coverage=0.9995 --num_threads=1 --random_seed=27 >/dev/null 2>"$tmp/log2"
rm -f "$out"/*.vocab
rm -rf "$tmp"
ls -l "$out"/chatglm6b-tiny.model "$out"/chatglm2-tiny.model
