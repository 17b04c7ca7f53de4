#!/usr/bin/env bash
# Build the fortune corpus for the tiny GLM: Debian's English fortunes (fortunes, fortunes-min) and
# Chinese ones (fortunes-zh: chinese, tang300, song100), one cleaned entry per line, deduplicated,
# shuffled with a fixed seed and split 95/5 per source into train.txt / heldout.txt.
#
#   tools/corpus/build-corpus.sh            # writes tools/corpus/out/ (git-ignored)
#   OUT=/tmp/corpus SEED=7 tools/corpus/build-corpus.sh
#
# Needs root for apt-get (or the packages already installed) and python3 (standard library only).
# Writes: train.txt, heldout.txt, sources.json (counts per source), manifest.json (packages, versions,
# file checksums, the exact settings). docs/tokenizer.md describes the cleaning rules.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${OUT:-$here/out}
seed=${SEED:-1234}
heldout=${HELDOUT:-0.05}
fortune_dir=/usr/share/games/fortunes
# fortunes-min ships the file `fortunes`; fortunes the other English topics; fortunes-zh the Chinese.
packages=(fortunes-min fortunes fortunes-zh)
# ascii-art is pictures: flattening it to one line leaves nothing a language model can learn from.
exclude=(ascii-art)

missing=()
for p in "${packages[@]}" sentencepiece; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

args=()
for p in "${packages[@]}"; do
  lang=en
  [[ $p == fortunes-zh ]] && lang=zh
  # The fortune files of this package: plain files directly in the fortune folder, not the .dat
  # indexes nor the .u8 links.
  while IFS= read -r f; do
    name=$(basename "$f")
    [[ $name == *.dat || $name == *.u8 || -L $f || ! -f $f ]] && continue
    for x in "${exclude[@]}"; do [[ $name == "$x" ]] && continue 2; done
    args+=(--source "$p:$lang:$f")
  done < <(dpkg -L "$p" | grep -E "^$fortune_dir/[^/]+$" | sort)
done

mkdir -p "$out"
python3 "$here/build_corpus.py" --out "$out" --seed "$seed" --heldout "$heldout" "${args[@]}"

# The manifest: what the corpus was made from, to rebuild it or to tell that it changed.
python3 - "$out" "$seed" "$heldout" "${exclude[*]}" <<'EOF'
import json, subprocess, sys
out, seed, heldout, exclude = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4].split()
def version(p):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", p], capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None
pkgs = ["fortunes-min", "fortunes", "fortunes-zh", "sentencepiece", "libsentencepiece0"]
sources = json.load(open(f"{out}/sources.json", encoding="utf-8"))["sources"]
manifest = {
    "builder": "tools/corpus/build-corpus.sh",
    "seed": seed,
    "heldout_fraction": heldout,
    "excluded_files": exclude,
    "packages": {p: version(p) for p in pkgs},
    "debian": open("/etc/debian_version").read().strip(),
    "python": sys.version.split()[0],
    "files": {name: {"package": s["package"], "sha256": s["sha256"]} for name, s in sources.items()},
}
json.dump(manifest, open(f"{out}/manifest.json", "w", encoding="utf-8"), indent=2)
open(f"{out}/manifest.json", "a").write("\n")
EOF
echo "wrote $out/{train.txt,heldout.txt,sources.json,manifest.json}" >&2
