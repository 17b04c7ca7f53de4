#!/usr/bin/env bash
# Train the tiny GLM's SentencePiece vocabulary on the fortune corpus with Debian's spm_train, then
# refresh the committed test fixtures (tests/io/fixtures/spm/) from it.
#
#   tools/corpus/build-corpus.sh && tools/corpus/train-spm.sh
#   FIXTURES=0 tools/corpus/train-spm.sh     # train only, leave the fixtures alone
#
# Ids of the special pieces (docs/tokenizer.md):
#   0 <pad>   1 <unk>   2 </s> (eos)   3 [MASK]   4 [gMASK]   5 [sMASK]   6 <eod>   7 [sop]   8 [eop]
#   9..264 the byte pieces <0x00>..<0xFF>, then the learned pieces up to VOCAB-1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUT:-$here/out}
vocab=${VOCAB:-8000}
prefix=$out/glm-tiny-spm
fixtures=$root/tests/io/fixtures/spm

if ! command -v spm_train >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends sentencepiece >/dev/null
fi
[[ -d $out ]] || { echo "no folder $out: run tools/corpus/build-corpus.sh first" >&2; exit 1; }
out=$(cd "$out" && pwd)
[[ -s $out/train.txt ]] || { echo "no $out/train.txt: run tools/corpus/build-corpus.sh first" >&2; exit 1; }

# Run inside $out with relative paths: the model records its input and prefix, and the same corpus
# should give the same bytes wherever it is built; one thread and a fixed seed for the same reason.
# Lines up to 64 KiB are trained on (the longest entry is 21 KB of UTF-8; the default limit, 4192
# bytes, would skip the 61 longest, mostly Chinese, entries).
(cd "$out" && spm_train \
  --input=train.txt \
  --model_prefix=glm-tiny-spm \
  --model_type=unigram \
  --vocab_size="$vocab" \
  --character_coverage=0.9995 \
  --byte_fallback=true \
  --normalization_rule_name=nmt_nfkc \
  --pad_id=0 --pad_piece='<pad>' \
  --unk_id=1 --unk_piece='<unk>' \
  --eos_id=2 --eos_piece='</s>' \
  --bos_id=-1 \
  --control_symbols='[MASK],[gMASK],[sMASK],<eod>,[sop],[eop]' \
  --max_sentence_length=65536 \
  --input_sentence_size=0 \
  --shuffle_input_sentence=false \
  --num_threads=1 \
  --random_seed=1234 \
  --minloglevel=1 \
  2> spm_train.log) || { tail -20 "$out/spm_train.log" >&2; exit 1; }
echo "trained $prefix.model ($vocab pieces)" >&2

[[ ${FIXTURES:-1} == 0 ]] && exit 0

# Fixtures for tests/io/sentencepiece.test.ts: the model, about 200 held-out lines (both languages,
# every source) and what Debian's spm_encode / spm_decode make of them: the independent expected output.
mkdir -p "$fixtures"
cp "$prefix.model" "$fixtures/glm-tiny-spm.model"
python3 - "$out" "$fixtures/heldout-sample.txt" <<'EOF'
import json, random, sys, unicodedata
out, dest = sys.argv[1], sys.argv[2]
lines = open(f"{out}/heldout.txt", encoding="utf-8").read().splitlines()
def wide(s): return any(unicodedata.east_asian_width(c) in "WF" for c in s)
zh = [l for l in lines if wide(l)]
en = [l for l in lines if not wide(l)]
rng = random.Random(1234)
# Short and medium lines only (a fixture to read, not a benchmark): 130 English, 70 Chinese.
pick = rng.sample([l for l in en if len(l) <= 400], 130) + rng.sample([l for l in zh if len(l) <= 200], 70)
rng.shuffle(pick)
open(dest, "w", encoding="utf-8").write("".join(l + "\n" for l in pick))
EOF
# normalization-cases.txt (tricky Unicode, whitespace, byte fallback) and user-defined-cases.txt are
# written by hand and committed; their expected outputs are refreshed with the sample's.
for sample in heldout-sample normalization-cases user-defined-cases; do
  spm_encode --model="$fixtures/glm-tiny-spm.model" --output_format=id < "$fixtures/$sample.txt" > "$fixtures/$sample.ids"
  spm_encode --model="$fixtures/glm-tiny-spm.model" --output_format=piece < "$fixtures/$sample.txt" > "$fixtures/$sample.pieces"
  spm_decode --model="$fixtures/glm-tiny-spm.model" --input_format=id < "$fixtures/$sample.ids" > "$fixtures/$sample.decoded"
  spm_normalize --model="$fixtures/glm-tiny-spm.model" --use_internal_normalization < "$fixtures/$sample.txt" > "$fixtures/$sample.normalized"
done
# Two small models that exercise the encoder paths the main model does not: BPE without byte
# fallback (unknown characters, merged <unk> runs) and a unigram model with user-defined symbols,
# no dummy prefix and whitespace kept as it is. Identity normalization (no charsmap) keeps them
# small. Their expected output covers all three case files, in this order.
common=(--input=train.txt --vocab_size=2000 --character_coverage=0.98 --normalization_rule_name=identity
  --pad_id=0 --pad_piece='<pad>' --unk_id=1 --unk_piece='<unk>' --eos_id=2 --eos_piece='</s>' --bos_id=-1
  --control_symbols='[MASK],[gMASK],[sMASK],<eod>,[sop],[eop]' --max_sentence_length=65536
  --input_sentence_size=0 --shuffle_input_sentence=false --num_threads=1 --random_seed=1234 --minloglevel=1)
(cd "$out" && spm_train "${common[@]}" --model_prefix=glm-tiny-bpe --model_type=bpe --byte_fallback=false \
  --user_defined_symbols='<n>' 2>> spm_train.log)
(cd "$out" && spm_train "${common[@]}" --model_prefix=glm-tiny-ud --model_type=unigram --byte_fallback=true \
  --user_defined_symbols='<n>,<|tab|>,GLM' --add_dummy_prefix=false --remove_extra_whitespaces=false 2>> spm_train.log)
for m in glm-tiny-bpe glm-tiny-ud; do
  cp "$out/$m.model" "$fixtures/$m.model"
  cat "$fixtures"/{heldout-sample,normalization-cases,user-defined-cases}.txt > "$out/all-cases.txt"
  spm_encode --model="$fixtures/$m.model" --output_format=id < "$out/all-cases.txt" > "$fixtures/$m.ids"
  spm_decode --model="$fixtures/$m.model" --input_format=id < "$fixtures/$m.ids" > "$fixtures/$m.decoded"
done
echo "refreshed $fixtures ($(wc -l < "$fixtures/heldout-sample.txt") sample lines)" >&2
