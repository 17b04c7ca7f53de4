"""What compiled PyTorch runs for one batch-16 decode product: torch.compile (max-autotune) of a
Linear with 16 activation rows, timed with CUDA events beside cuBLAS, and the Triton kernel it chose —
the instructions each candidate's PTX moves data and multiplies with (cp.async, bulk/TMA copies,
ldmatrix, mma, barriers). The PTX and TTGIR files go to --out, to read beside our small-M kernel
(backends/cuda/native/src/kernels/gemm_small_m.cu).

Usage: python3 bench/cuda/triton_small_m_probe.py --out DIR [--n 12288] [--k 12288]
"""
import argparse
import glob
import os
import re
import shutil
import tempfile

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--n", type=int, default=12288)
parser.add_argument("--k", type=int, default=12288)
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
# Fresh caches, so the only Triton kernels found are this run's.
work = tempfile.mkdtemp()
os.environ["TRITON_CACHE_DIR"] = os.path.join(work, "triton")
os.environ["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(work, "inductor")

import torch  # noqa: E402  (after the cache directories are set)

torch.backends.cuda.matmul.allow_tf32 = False
gen = torch.Generator(device="cuda").manual_seed(7)
x = torch.rand(16, args.k, device="cuda", dtype=torch.float16, generator=gen) * 2 - 1
w = (torch.rand(args.n, args.k, device="cuda", dtype=torch.float16, generator=gen) * 2 - 1) * 0.02
bias = (torch.rand(args.n, device="cuda", dtype=torch.float16, generator=gen) * 2 - 1) * 0.1


def timed(fn, reps=50):
    for _ in range(5):
        fn()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(reps):
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return sorted(times)[len(times) // 2]


with torch.inference_mode():
    compiled = torch.compile(lambda a: torch.nn.functional.linear(a, w, bias), mode="max-autotune-no-cudagraphs")
    compiled(x)
    bytes_read = args.n * args.k * 2
    for name, fn in [("cublas", lambda: torch.nn.functional.linear(x, w, bias)), ("compiled", lambda: compiled(x))]:
        ms = timed(fn)
        print(f"{name}: {ms:.4f} ms, {bytes_read / ms / 1e9:.3f} TB/s (m 16, n {args.n}, k {args.k})", flush=True)

patterns = {
    "cp.async (16 B)": r"cp\.async\.(ca|cg)\.shared\.global",
    "cp.async.bulk (TMA)": r"cp\.async\.bulk",
    "ld.global": r"ld\.global",
    "ldmatrix": r"ldmatrix",
    "mma.sync": r"mma\.sync",
    "wgmma": r"wgmma",
    "bar.sync": r"bar\.sync|barrier\.sync",
    "cp.async.wait_group": r"cp\.async\.wait_group",
    "mbarrier": r"mbarrier",
}
for ptx in glob.glob(os.path.join(work, "triton", "**", "*.ptx"), recursive=True):
    text = open(ptx).read()
    entry = re.search(r"\.entry\s+(\w+)", text)
    name = entry.group(1) if entry else os.path.basename(ptx)
    if "tem" not in name and "mm" not in name:
        continue
    counts = ", ".join(f"{k} {len(re.findall(p, text))}" for k, p in patterns.items())
    print(f"kernel {name}: {counts}", flush=True)
    if "fused" not in name:
        continue  # an autotuning candidate; the kernel the compiled code calls is the fused template
    stem = os.path.join(args.out, name)
    shutil.copy(ptx, stem + ".ptx")
    ttgir = ptx[: -len(".ptx")] + ".ttgir"
    if os.path.exists(ttgir):
        shutil.copy(ttgir, stem + ".ttgir")
    meta = ptx[: -len(".ptx")] + ".json"
    if os.path.exists(meta):
        shutil.copy(meta, stem + ".json")
