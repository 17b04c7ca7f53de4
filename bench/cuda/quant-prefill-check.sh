#!/usr/bin/env bash
# Run on the lent GPU machine: issue 22's measurements in one call, in an order that keeps the power
# limit out of the short cases (cuda-notes.md, version 8: a long loop leaves the card at its limit and
# slows what is timed after it). Decode and the quantized kernels first, prefill and the sustained
# GEMM loop last:
#   1. the INT4/INT8 GEMV kernels alone (bench/cuda/gemv-int4.cu, gemv-int8.cu), each with its copy ceiling
#   2. our layer: decode b1, b16 fp16, INT4 b1, INT8 b1, INT4 b16, INT8 b16 (glm-layer.ts, default variant)
#   3. the INT4 b1 layer launched record by record with an event pair around each (GLM_PROFILE_LAUNCHES)
#   3b. the INT4 b1 layer with other GEMV block shapes (GLM_CUDA_I4_SHAPES, gemv_int4.cu)
#   3c. decode with the attention split for other block counts (attention-blocks: GLM_CUDA_ATTENTION_BLOCKS_PER_SM)
#   3d. the INT4 layer at 16 rows with 1, 2 or 4 feature groups a block (i4-groups: GLM_CUDA_I4_GROUPS16)
#   4. PyTorch's weight-only products (torch_gemv_peer.py)
#   5. PyTorch's layer (torch_peer.py --compile): decode b1, b16, then prefill
#   6. our prefill, then the sustained GEMM loop as long as it (glm-layer.ts --cases prefill-2048)
# Steps can be left out or reordered by naming them: kernels layer profile shapes attention-blocks i4-groups
# gemv-peer peer prefill, and
# ab (INT4/INT8 b1 with the addon before and after a change, interleaved) and conformance (op/linear/).
# Needs (carry): .device-carry/node.xz, .device-carry/env.sh and a bundle ($BUNDLE, default
# .device-carry/hc.tar.xz) holding dist/, node_modules/, the addon at $GLM_CUDA_ADDON's path and the
# two kernel benchmarks under .device-carry/hc/ (bench/cuda/pack-quant-check.sh makes it). Everything comes back in $OUT/r.tar.gz.
set -uo pipefail
source .device-carry/env.sh >/dev/null && tar xJf "${BUNDLE:-.device-carry/hc.tar.xz}" || exit 3
export GLM_CUDA_ADDON="${GLM_CUDA_ADDON:-$PWD/backends/cuda/build-hc/Release/glm_cuda.node}"
# Results are gathered outside $OUT and packed into $OUT/r.tar.gz after every step, so that a call cut
# off at its limit still brings back what was measured. BUDGET_S (default 300): the peer's compiles
# get what is left of it less 60 s for our prefill.
R=/tmp/quant-prefill-results
rm -rf "$R" && mkdir -p "$R"
deadline=$(( $(date +%s) + ${BUDGET_S:-300} ))
pack() { tar czf "$OUT/r.tar.gz" -C /tmp quant-prefill-results; }
nvidia-smi --query-gpu=name,driver_version,memory.total,power.limit --format=csv,noheader | tee "$R/gpu.txt"
nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu --format=csv,noheader -lms 250 > "$R/smi.csv" &
smi=$!
trap 'kill $smi 2>/dev/null' EXIT
stamp() { echo "== $1 $(date -u +%H:%M:%S)" | tee -a "$R/order.log"; pack; }
quant_cases=decode-b1-cache2048,decode-b16-cache2048,decode-int4-b1-cache2048,decode-int8-b1-cache2048,decode-int4-b16-cache2048,decode-int8-b16-cache2048
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(kernels layer profile shapes gemv-peer peer prefill)
for step in "${steps[@]}"; do
  stamp "$step"
  case "$step" in
    kernels)
      timeout 90 .device-carry/hc/gemv-int4 > "$R/gemv-int4.jsonl" 2>&1; echo "gemv-int4 rc=$?"
      timeout 90 .device-carry/hc/gemv-int8 > "$R/gemv-int8.jsonl" 2>&1; echo "gemv-int8 rc=$?" ;;
    layer)
      timeout 150 node dist/bench/cuda/glm-layer.js --cases "$quant_cases" --out "$R/layer-decode.json" 2>&1 | tee "$R/layer-decode.log" ;;
    profile)
      GLM_PROFILE_LAUNCHES=1 timeout 60 node dist/bench/cuda/glm-layer.js --cases decode-int4-b1-cache2048 --reps 1 --variants no-graph > "$R/profile-int4.log" 2>&1
      echo "profile rc=$?" ;;
    shapes)
      # The INT4 b1 layer with other block shapes of the GEMV (GLM_CUDA_I4_SHAPES: dense/down, QKV, up).
      for shapes in ${I4_SHAPES:-4x3,4x3,4x4 4x4,4x4,4x4 8x2,8x2,4x4 4x1p,4x1p,4x4}; do
        GLM_CUDA_I4_SHAPES=$shapes timeout 40 node dist/bench/cuda/glm-layer.js --cases decode-int4-b1-cache2048 2>&1 | grep '^decode' | sed "s/^/[$shapes] /" | tee -a "$R/layer-shapes.log"
      done ;;
    attention-blocks)
      # Decode b1 (fp16, INT4) and b16 with the fused attention split for other block counts a multiprocessor
      # (GLM_CUDA_ATTENTION_BLOCKS_PER_SM; default 4), each with the default's run beside it.
      for blocks in ${ATTENTION_BLOCKS:-4 2 6 8 12 16 4}; do
        GLM_CUDA_ATTENTION_BLOCKS_PER_SM=$blocks timeout 60 node dist/bench/cuda/glm-layer.js --cases decode-b1-cache2048,decode-int4-b1-cache2048,decode-b16-cache2048 --variants default 2>&1 | grep '^decode' | sed "s/^/[blocks $blocks] /" | tee -a "$R/layer-attention-blocks.log"
      done ;;
    i4-groups)
      # The INT4 layer at 16 rows (and 1, unchanged by it) with 1, 2 or 4 feature groups a block at 9–16
      # rows (GLM_CUDA_I4_GROUPS16, gemv_int4.cu), and op/linear/ conformance with each.
      for groups in ${I4_GROUPS:-1 2 4 1}; do
        GLM_CUDA_I4_GROUPS16=$groups timeout 60 node dist/bench/cuda/glm-layer.js --cases decode-int4-b16-cache2048,decode-int4-b1-cache2048 --variants default 2>&1 | grep -E '^(ceilings|decode)' | sed "s/^/[groups $groups] /" | tee -a "$R/layer-i4-groups.log"
      done
      for groups in 2 4; do
        GLM_CUDA_I4_GROUPS16=$groups timeout 60 node bin/glm.js conformance --backend cuda --filter 'op/linear/' > "$R/conformance-linear-groups$groups.log" 2>&1
        echo "[groups $groups] conformance op/linear/ rc=$? $(tail -1 "$R/conformance-linear-groups$groups.log")" | tee -a "$R/layer-i4-groups.log"
      done ;;
    gemv-peer)
      PYTHONUNBUFFERED=1 timeout 150 python3 bench/cuda/torch_gemv_peer.py --out "$R/torch-gemv.json" > "$R/torch-gemv.log" 2>&1; echo "torch_gemv_peer rc=$?" ;;
    peer)
      PYTHONUNBUFFERED=1 timeout $(( deadline - $(date +%s) - 60 )) python3 bench/cuda/torch_peer.py --compile --cases decode-b1-cache2048,decode-b16-cache2048,prefill-2048 \
        --out "$R/torch.json" > "$R/torch.log" 2>&1
      echo "torch_peer rc=$?"; grep -v '^kernel' "$R/torch.log" | tail -6 ;;
    prefill)
      peer=(); [ -s "$R/torch.json" ] && peer=(--peer "$R/torch.json")
      timeout 120 node dist/bench/cuda/glm-layer.js --cases prefill-2048 "${peer[@]}" --out "$R/layer-prefill.json" 2>&1 | tee "$R/layer-prefill.log" ;;
    ab)
      # The INT4/INT8 batch-1 layer with the addon before ($GLM_CUDA_ADDON_BEFORE) and after
      # ($GLM_CUDA_ADDON) a kernel change, interleaved twice, with the fp16 batch-1 step as the reference.
      for round in 1 2; do
        for which in before after; do
          addon=$GLM_CUDA_ADDON; [ $which = before ] && addon=$GLM_CUDA_ADDON_BEFORE
          GLM_CUDA_ADDON=$addon timeout 90 node dist/bench/cuda/glm-layer.js --cases decode-b1-cache2048,decode-int4-b1-cache2048,decode-int8-b1-cache2048 \
            --out "$R/layer-ab-$which-$round.json" 2>&1 | grep -E '^(ceilings|decode)' | sed "s/^/[$which $round] /" | tee -a "$R/layer-ab.log"
        done
      done ;;
    conformance)
      timeout 120 node bin/glm.js conformance --backend cuda --filter 'op/linear/' --report "$R/conformance-linear.json" > "$R/conformance-linear.log" 2>&1
      echo "conformance op/linear/ rc=$?"; tail -4 "$R/conformance-linear.log" ;;
    *) echo "unknown step $step" ;;
  esac
done
stamp end
kill $smi 2>/dev/null
pack
