#!/usr/bin/env bash
# Run on the lent GPU machine after device-check.sh's setup (or by itself: it needs only the carried
# gemm-small-m binary, ncu and PyTorch): Nsight Compute's launch, occupancy, memory and warp-stall
# sections for chosen small-M product kernels (GEMM_SMALL_M_CASES / GEMM_SMALL_M_VARIANTS pick one
# product and variant of bench/cuda/gemm-small-m.cu by its exact name; the 6th launch is profiled,
# after warm-up), and for the Triton kernels of PyTorch's compiled batch-16 step (torch_ncu_step.py).
# Usage: bash bench/cuda/ncu-small-m.sh CASE "VARIANT" [CASE "VARIANT" ...] [--torch]
# Writes $OUT/ncu-small-m.tar.gz (one file: the machine sends back only a few).
set -uo pipefail
dir="$OUT/ncu-small-m"
mkdir -p "$dir"
sections=(--section LaunchStats --section Occupancy --section SpeedOfLight --section MemoryWorkloadAnalysis
  --section WarpStateStats --section SchedulerStats)
# L2 slices: the busiest against the average (a hot spot shows as max ≫ avg), and the hit rate.
l2=lts__t_sectors.sum,lts__t_sectors.max,lts__t_sectors.avg,lts__t_sector_hit_rate.pct,dram__bytes_read.sum,gpu__time_duration.sum
n=0
while [ $# -gt 0 ]; do
  if [ "$1" = --torch ]; then
    shift
    ncu --profile-from-start off --cache-control none --clock-control none "${sections[@]}" --kernel-name regex:triton --launch-count 40 \
      python3 bench/cuda/torch_ncu_step.py > "$dir/torch.txt" 2>&1
    echo "ncu torch rc=$? ($(grep -c 'Section: Launch Statistics' "$dir/torch.txt") kernels)"
    ncu --profile-from-start off --cache-control none --clock-control none --metrics "$l2" --kernel-name regex:triton --launch-count 40 \
      python3 bench/cuda/torch_ncu_step.py > "$dir/torch-l2.txt" 2>&1
    echo "ncu torch l2 rc=$?"
    continue
  fi
  n=$((n + 1))
  export GEMM_SMALL_M_CASES="$1" GEMM_SMALL_M_VARIANTS="$2"
  echo "$1 / $2" > "$dir/ours-$n.txt"
  ncu --cache-control none --clock-control none "${sections[@]}" --kernel-name regex:gemm_small_m --launch-skip 5 --launch-count 1 \
    .device-carry/gemm-small-m >> "$dir/ours-$n.txt" 2>&1
  echo "ncu ours $n ($1 / $2) rc=$?"
  echo "$1 / $2" > "$dir/ours-$n-l2.txt"
  ncu --cache-control none --clock-control none --metrics "$l2" --kernel-name regex:gemm_small_m --launch-skip 5 --launch-count 1 \
    .device-carry/gemm-small-m >> "$dir/ours-$n-l2.txt" 2>&1
  echo "ncu ours l2 $n rc=$?"
  shift 2
done
unset GEMM_SMALL_M_CASES GEMM_SMALL_M_VARIANTS
tar czf "$OUT/ncu-small-m.tar.gz" -C "$OUT" ncu-small-m && rm -rf "$dir"
