"""PyTorch's compiled batch-16 decode step (torch_peer.py's layer, static KV cache, max-autotune) run
twice between cudaProfilerStart/Stop, so that Nsight Compute can time its kernels with the same flags
as ours (bench/cuda/device-check.sh ncu) and the per-kernel comparison uses one method:

  ncu --profile-from-start off --cache-control none --clock-control none \
      --metrics gpu__time_duration.sum,dram__bytes_read.sum --csv python3 bench/cuda/torch_ncu_step.py

Compilation and autotuning happen before the profiler starts, so none of their kernels are timed.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_peer as peer  # noqa: E402

BATCH, PAST = 16, 2048
torch.backends.cuda.matmul.allow_tf32 = False
gen = torch.Generator(device="cuda").manual_seed(1234)
w = peer.make_weights(gen)
x, past_k, past_v, cos, sin, mask = peer.case_inputs(BATCH, 1, PAST, 1024, gen)
static = peer.static_cache(past_k, past_v, 1, PAST)
with torch.inference_mode():
    step = torch.compile(lambda *a: peer.layer(w, *a, True, static), mode="max-autotune-no-cudagraphs")
    for _ in range(3):
        step(x, None, None, cos, sin, mask)
    torch.cuda.synchronize()
    torch.cuda.cudart().cudaProfilerStart()
    for _ in range(2):
        step(x, None, None, cos, sin, mask)
    torch.cuda.synchronize()
    torch.cuda.cudart().cudaProfilerStop()
print("profiled 2 compiled batch-16 steps", flush=True)
