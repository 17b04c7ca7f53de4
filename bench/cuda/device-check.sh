#!/usr/bin/env bash
# Run on the lent GPU machine (see pack-for-device.sh): the cuda backend's conformance report, the
# greedy/top-k decode loop against cpu-ref (tokens identical? host waits per token? graph replays?),
# the kernels alone (bench/cuda/attention-kernels.cu and gemv-int4.cu, built by
# build-attention-kernels.sh), the layer benchmark, its profile, the PyTorch peer and the 70-layer INT4
# model, and the opt-in small-M product against cuBLASLt. Usage: bash bench/cuda/device-check.sh [kernels] [conformance] [decode] [layer] [profile] [quant] [int4] [peer] [smallm] [beam] [tools] [sustained] [ncu]
# Everything is written under $OUT/results/ and packed into $OUT/results.tar.gz on exit (only a few
# files come back from the machine); the main lines also go to stdout.
set -uo pipefail
source .device-carry/env.sh >/dev/null && tar xJf .device-carry/bundle.tar.xz
FINAL_OUT="$OUT"
OUT="$FINAL_OUT/results"
mkdir -p "$OUT"
trap 'tar czf "$FINAL_OUT/results.tar.gz" -C "$FINAL_OUT" results && rm -rf "$OUT"' EXIT
clocks() { nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,power.draw,temperature.gpu --format=csv,noheader | sed "s/^/clocks ($1): /"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
for what in "$@"; do
  case "$what" in
    kernels)
      .device-carry/attention-kernels > "$OUT/attention-kernels.jsonl" 2>&1
      echo "attention-kernels rc=$?"; cat "$OUT/attention-kernels.jsonl"
      .device-carry/gemv-int4 > "$OUT/gemv-int4.jsonl" 2>&1
      echo "gemv-int4 rc=$?"; cat "$OUT/gemv-int4.jsonl" ;;
    conformance)
      node bin/glm.js conformance --backend cuda --report "$OUT/conformance-cuda.json" --markdown "$OUT/conformance-cuda.md" \
        --junit "$OUT/conformance-cuda.xml" > "$OUT/conformance-cuda.log" 2>&1
      echo "conformance rc=$?"; tail -5 "$OUT/conformance-cuda.log" ;;
    decode)
      for dtype in f32 f16; do
        node dist/bench/decode-loop.js --backend cuda --dtype $dtype --tokens 200 --check --out "$OUT/decode-loop-$dtype.json" 2>&1 | tee "$OUT/decode-loop-$dtype.log"
      done
      node dist/bench/decode-loop.js --backend cuda --dtype f16 --tokens 200 --top-k 40 --check --out "$OUT/decode-loop-f16-topk40.json" 2>&1 | tee "$OUT/decode-loop-f16-topk40.log"
      for dtype in f32 f16; do
        for b in cpu-ref cuda; do
          printf 'The capital of France is [MASK].\n中国的首都是[MASK]。\nGLM is a [gMASK]\n' | node bin/glm.js run --backend $b --dtype $dtype --top-k 1 > "$OUT/run-$b-$dtype.txt" 2> "$OUT/run-$b-$dtype.err"
        done
        cmp "$OUT/run-cpu-ref-$dtype.txt" "$OUT/run-cuda-$dtype.txt" && echo "glm run $dtype: cuda text == cpu-ref text"
        tail -1 "$OUT/run-cuda-$dtype.err"
      done ;;
    beam)
      # Beam search on the device: steps decided from each row's top candidates and log-sum-exp
      # (no banned tokens: --no-repeat-ngram-size 0) and with the release's n-gram bans (whole rows).
      for ngram in 0 3; do
        for b in cpu-ref cuda; do
          printf 'The capital of France is [MASK].\nGLM is a [gMASK]\n' | node bin/glm.js run --backend $b --sampling-strategy BeamSearchStrategy \
            --num-beams 4 --no-repeat-ngram-size $ngram --print-all-beams --out-seq-length 96 > "$OUT/beam-$b-$ngram.txt" 2> "$OUT/beam-$b-$ngram.err"
          echo "beam $b ngram=$ngram rc=$?"
        done
        cmp "$OUT/beam-cpu-ref-$ngram.txt" "$OUT/beam-cuda-$ngram.txt" && echo "beam search (no-repeat-ngram-size $ngram): cuda beams == cpu-ref beams"
      done ;;
    tools)
      for t in nsys ncu; do command -v $t || ls /usr/local/cuda*/bin/$t /opt/nvidia/*/$t 2>/dev/null || echo "$t: not found"; done
      python3 -c 'import torch; print("torch", torch.__version__)' ;;
    sustained)
      # Does a long loop run slower than a short one (power limit)? The 8192³ GEMM ceiling and the
      # prefill case, each with 20 and with 200 repeats, while nvidia-smi samples clocks and power.
      nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu --format=csv,noheader -lms 100 > "$OUT/sustained-smi.csv" &
      smi=$!
      for reps in 20 200; do
        node dist/bench/cuda/glm-layer.js --cases prefill-2048 --reps $reps 2>&1 | grep -E '^(ceilings|prefill)' | sed "s/^/[reps $reps] /" | tee -a "$OUT/sustained.log"
      done
      kill $smi ;;
    ncu)
      # Nsight Compute: each kernel of one prefill and one batch-16 decode run (launched record by
      # record) replayed alone, with caches and clocks as the run left them: its duration, DRAM bytes
      # and rates. Batch 16 with cuBLASLt and with the opt-in small-M product.
      metrics=gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed,sm__throughput.avg.pct_of_peak_sustained_elapsed
      ncu --cache-control none --clock-control none --metrics $metrics --csv \
        node dist/bench/cuda/glm-layer.js --cases prefill-2048 --reps 1 --variants no-graph > "$OUT/ncu-prefill.csv" 2> "$OUT/ncu-prefill.err"
      echo "ncu prefill rc=$? ($(wc -l < "$OUT/ncu-prefill.csv") lines)"
      for switch in 0 1; do
        GLM_CUDA_SMALL_M_MMA=$switch ncu --cache-control none --clock-control none --metrics $metrics --csv \
          node dist/bench/cuda/glm-layer.js --cases decode-b16-cache2048 --reps 1 --variants no-graph > "$OUT/ncu-b16-smallm$switch.csv" 2> "$OUT/ncu-b16-smallm$switch.err"
        echo "ncu b16 (GLM_CUDA_SMALL_M_MMA=$switch) rc=$?"
      done ;;
    layer)
      clocks before
      node dist/bench/cuda/glm-layer.js --variants default,no-graph --out "$OUT/cuda-layer.json" 2>&1 | tee "$OUT/cuda-layer.log"
      GLM_CUDA_FLASH=0 node dist/bench/cuda/glm-layer.js --out "$OUT/cuda-layer-noflash.json" 2>&1 | grep prefill | tee "$OUT/cuda-layer-noflash.log" ;;
    profile)
      GLM_PROFILE_LAUNCHES=1 node dist/bench/cuda/glm-layer.js --reps 1 --variants no-graph > "$OUT/profile.log" 2>&1
      grep -v '^profile' "$OUT/profile.log" | tail -3 ;;
    quant)
      # Weight-only INT4/INT8 decode: the GEMV kernels alone in every variant (each run's copy ceiling
      # first), PyTorch's weight-only products at the same shapes, and the quantized layer cases beside
      # fp16 decode (bench/cuda/gemv-int4.cu, gemv-int8.cu, torch_gemv_peer.py, glm-layer.ts).
      .device-carry/gemv-int4 > "$OUT/gemv-int4.jsonl" 2>&1; echo "gemv-int4 rc=$?"
      .device-carry/gemv-int8 > "$OUT/gemv-int8.jsonl" 2>&1; echo "gemv-int8 rc=$?"
      PYTHONUNBUFFERED=1 python3 bench/cuda/torch_gemv_peer.py --out "$OUT/torch-gemv.json" > "$OUT/torch-gemv.log" 2>&1; echo "torch_gemv_peer rc=$?"
      node dist/bench/cuda/glm-layer.js --cases decode-b1-cache2048,decode-int4-b1-cache2048,decode-int8-b1-cache2048,decode-b16-cache2048,decode-int4-b16-cache2048,decode-int8-b16-cache2048 \
        --out "$OUT/cuda-layer-quant.json" 2>&1 | tee "$OUT/cuda-layer-quant.log" ;;
    int4)
      # The INT4 layer case (decode-int4-b1-cache2048) is one of `layer`'s cases; this is the whole model.
      node dist/bench/cuda/glm-130b-int4.js --out "$OUT/glm-130b-int4.json" 2>&1 | tee "$OUT/glm-130b-int4.log" ;;
    smallm)
      # The opt-in small-M tensor-core product: the kernel alone in every tiling beside cuBLASLt and the
      # four products in a decode step's order; the conformance cases with products of ≤ 16 rows sent
      # to it (GLM_CUDA_GEMV_ROWS=0); the decode layer with and without it, interleaved twice.
      .device-carry/gemm-small-m > "$OUT/gemm-small-m.jsonl" 2>&1
      echo "gemm-small-m rc=$?"; grep -v '^{"device' "$OUT/gemm-small-m.jsonl" | sed 's/"max_rel_diff"/"diff"/; s/"case"://; s/"variant"://; s/"median_ms"/"ms"/' | cut -c1-150
      GLM_CUDA_SMALL_M_MMA=1 GLM_CUDA_GEMV_ROWS=0 node bin/glm.js conformance --backend cuda --filter 'op/linear/,op/matmul/,block/,model/' \
        --report "$OUT/conformance-small-m.json" > "$OUT/conformance-small-m.log" 2>&1
      echo "conformance (GLM_CUDA_SMALL_M_MMA=1 GLM_CUDA_GEMV_ROWS=0) rc=$?"; tail -4 "$OUT/conformance-small-m.log"
      for round in 1 2; do
        for switch in 0 1; do
          GLM_CUDA_SMALL_M_MMA=$switch node dist/bench/cuda/glm-layer.js --cases decode-b1-cache2048,decode-b16-cache2048 --reps 50 2>&1 \
            | grep '^decode' | sed "s/^/[GLM_CUDA_SMALL_M_MMA=$switch] /" | tee -a "$OUT/cuda-layer-small-m.log"
        done
      done ;;
    peer)
      clocks before
      python3 bench/cuda/torch_peer.py --compile --profile decode-b16-cache2048 --out "$OUT/torch.json" > "$OUT/torch.log" 2>&1
      grep -v '^kernel' "$OUT/torch.log" | tail -8; grep '^kernel' "$OUT/torch.log" | head -20
      node dist/bench/cuda/glm-layer.js --variants default,no-graph --peer "$OUT/torch.json" --out "$OUT/cuda-layer-with-peer.json" 2>&1 | tee "$OUT/cuda-layer-with-peer.log" ;;
  esac
done
clocks after
