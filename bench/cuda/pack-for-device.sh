#!/usr/bin/env bash
# Packs what a run on the lent GPU machine needs beside the working tree (which has no Node.js,
# no node_modules and no build outputs): the compiled JS, the built addon and the runtime npm
# packages, into .device-carry/bundle.tar.xz. On the machine:
#   source .device-carry/env.sh && tar xJf .device-carry/bundle.tar.xz && node ...
# Run ../shared/tools/device-node.sh once first (it creates .device-carry/ with Node itself).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
npm run build >/dev/null
test -f backends/cuda/build/Release/glm_cuda.node || { echo "build the addon first: npm run build:cuda" >&2; exit 1; }
staging=$(mktemp -d)
mkdir -p "$staging/node_modules"
for p in $(npm ls --omit=dev --parseable --all 2>/dev/null | sed 1d | sed "s#$PWD/node_modules/##" | grep -v '^@types/\|^undici-types$'); do
  mkdir -p "$staging/node_modules/$(dirname "$p")"
  cp -r "node_modules/$p" "$staging/node_modules/$p"
done
tar cJf .device-carry/bundle.tar.xz dist backends/cuda/build/Release/glm_cuda.node -C "$staging" node_modules
rm -rf "$staging"
du -sh .device-carry
