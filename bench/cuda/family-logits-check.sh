#!/usr/bin/env bash
# The GLM family's torch references on the real GPU (bench/cuda/family-logits-check.ts), in two steps:
#   here:    bash bench/cuda/family-logits-check.sh pack
#            packs dist/ (compile it first: npx tsc -p tsconfig.json), the built cuda addon
#            (backends/cuda/build/Release/glm_cuda.node, npm run build:cuda) and the runtime npm packages
#            into .device-carry/family-check.tar.xz, with the commit it was packed at. Needs
#            ../shared/tools/device-node.sh run once (.device-carry/node.xz and env.sh). dist/ must match
#            the addon: pack from a clean export of a commit when others' work in progress is in the tree.
#   device:  bash bench/cuda/family-logits-check.sh run     (carry .device-carry/node.xz, env.sh, family-check.tar.xz)
#            converts each fixture of tests/fixtures/family/ with glm convert, runs it on cuda (the GPU)
#            and on cpu-ref, compares both with torch's float64 logits; JSON lines on stdout and in
#            $OUT/family-{cuda,cpu-ref}.json, the card in $OUT/gpu.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/stage-node-modules.sh
case "${1:-}" in
  pack)
    test -f backends/cuda/build/Release/glm_cuda.node || { echo "build the cuda addon first: npm run build:cuda" >&2; exit 1; }
    test -f dist/bench/cuda/family-logits-check.js || { echo "compile first: npx tsc -p tsconfig.json" >&2; exit 1; }
    staging=$(mktemp -d)
    trap 'rm -rf "$staging"' EXIT
    stage_node_modules "$staging"
    # A tree with uncommitted work of others compiles into dist/ too: packing from a clean export of a
    # commit (git archive, node_modules and the addon linked in) names it in GLM_PACK_COMMIT.
    if [ -n "${GLM_PACK_COMMIT:-}" ]; then echo "$GLM_PACK_COMMIT (clean export)"
    else git rev-parse HEAD; git status --short | grep -c . | sed 's/$/ paths differ from that commit in the packed tree/'; fi > "$staging/family-check.commit"
    tar cJf .device-carry/family-check.tar.xz dist backends/cuda/build/Release/glm_cuda.node -C "$staging" node_modules family-check.commit
    du -h .device-carry/family-check.tar.xz ;;
  run)
    source .device-carry/env.sh >/dev/null
    tar xJf .device-carry/family-check.tar.xz
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
    { date -u +%FT%TZ; cat family-check.commit; } | tee -a "$OUT/gpu.txt"
    status=0
    for backend in cuda cpu-ref; do
      node dist/bench/cuda/family-logits-check.js --backend $backend --out "$OUT/family-$backend.json" || status=$?
    done
    exit $status ;;
  *) echo "usage: bash bench/cuda/family-logits-check.sh pack|run" >&2; exit 2 ;;
esac
