#!/usr/bin/env python3
"""PyTorch peer of bench/cuda/gemv-int4.cu and gemv-int8.cu: GLM-130B's four decode products (QKV
12288->36864, dense 12288->12288, up 12288->65536, down 32768->12288) with weight-only INT8 and INT4
weights, batch 1 and 16, through what PyTorch offers for them, each where it runs (a variant that
raises is reported with its error, not timed):

  int8 _weight_int8pack_mm          torch._weight_int8pack_mm(x, w int8 [n, k], per-row scales)
  int8 compiled dequant-linear      torch.compile of F.linear(x, w.to(fp16)) * scales (gpt-fast's
                                    int8 weight-only form; Inductor fuses the conversion into its GEMV)
  int4 _weight_int4pack_mm          tinygemm: torch._weight_int4pack_mm(x bf16, packed, 128, scales
                                    and zeros) — its smallest-overhead group size for per-row scales is
                                    128 (the scales repeat along k, counted in its bytes)

Timed as our benchmarks are (CUDA events around one product, median of 20 after 3 warm-ups); the
rate counts the weights and scales once. Checked against an fp32 product of the same dequantized
weights (largest |y - reference| / largest |reference|). A 1 GiB device copy gives the run's ceiling.

Usage: python3 bench/cuda/torch_gemv_peer.py [--out torch-gemv.json]
"""
import argparse
import json
import statistics

import torch
import torch.nn.functional as F

PRODUCTS = [("qkv", 3 * 12288, 12288), ("dense", 12288, 12288), ("up", 2 * 32768, 12288), ("down", 12288, 32768)]


def timed(fn, reps=20, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def copy_ceiling():
    a = torch.empty(1 << 30, dtype=torch.uint8, device="cuda")
    b = torch.empty_like(a)
    ms = timed(lambda: b.copy_(a))
    return 2 * (1 << 30) / (ms * 1e-3) / 1e12


def rel_diff(y, ref):
    return float((y.float() - ref).abs().max() / ref.abs().max().clamp_min(1e-30))


def int8_variants(m, n, k, gen):
    w = torch.randint(-128, 128, (n, k), dtype=torch.int8, device="cuda", generator=gen)
    scales = (torch.rand(n, device="cuda", generator=gen) * 2.5e-4 + 5e-5).half()
    x = (torch.rand(m, k, device="cuda", generator=gen) * 2 - 1).half()
    ref = (x.float() @ w.float().t()) * scales.float()
    nbytes = n * k + 2 * n
    yield "int8 _weight_int8pack_mm", nbytes, lambda: torch._weight_int8pack_mm(x, w, scales), ref

    def dequant_linear(x, w, scales):
        return F.linear(x, w.to(dtype=x.dtype)) * scales

    compiled = torch.compile(dequant_linear, dynamic=False)
    yield "int8 compiled dequant-linear", nbytes, lambda: compiled(x, w, scales), ref


def int4_variants(m, n, k, gen):
    group = 128
    q = torch.randint(0, 16, (n, k), dtype=torch.int32, device="cuda", generator=gen)  # value + 8
    packed_bytes = (q[:, ::2] << 4 | q[:, 1::2]).to(torch.uint8)
    row_scale = torch.rand(n, device="cuda", generator=gen) * 2.5e-3 + 5e-4
    scales = row_scale.to(torch.bfloat16).float()
    # tinygemm dequantizes (q - 8) * scale + zero per group; zero = 0 gives the signed INT4 value times the scale.
    scale_and_zeros = torch.stack([scales.expand(k // group, n), torch.zeros(k // group, n, device="cuda")], dim=2).to(torch.bfloat16).contiguous()
    x = (torch.rand(m, k, device="cuda", generator=gen) * 2 - 1).to(torch.bfloat16)
    ref = (x.float() @ (q - 8).float().t()) * scales
    nbytes = n * k // 2 + scale_and_zeros.numel() * 2
    packed = torch._convert_weight_to_int4pack(packed_bytes, 8)
    yield "int4 _weight_int4pack_mm (tinygemm, group 128)", nbytes, lambda: torch._weight_int4pack_mm(x, packed, group, scale_and_zeros), ref


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out")
    args = parser.parse_args()
    torch._dynamo.config.cache_size_limit = 64
    gen = torch.Generator(device="cuda").manual_seed(5)
    report = {"torch": torch.__version__, "device": torch.cuda.get_device_name(), "copy_tb_per_s": copy_ceiling(), "cases": []}
    print(json.dumps({"device": report["device"], "torch": report["torch"], "copy_tb_per_s": round(report["copy_tb_per_s"], 3)}), flush=True)
    for m in (1, 16):
        for name, n, k in PRODUCTS:
            for variants in (int8_variants, int4_variants):
                try:
                    made = list(variants(m, n, k, gen))
                except Exception as e:  # the packing itself can be what is missing
                    made = []
                    print(json.dumps({"case": name, "m": m, "variant": variants.__name__, "error": str(e).splitlines()[0][:200]}), flush=True)
                for variant, nbytes, fn, ref in made:
                    row = {"case": name, "m": m, "n": n, "k": k, "variant": variant}
                    try:
                        y = fn()
                        torch.cuda.synchronize()
                        row["max_rel_diff"] = rel_diff(y, ref)
                        ms = timed(fn)
                        row.update(median_ms=round(ms, 4), tb_per_s=round(nbytes / (ms * 1e-3) / 1e12, 3))
                    except Exception as e:
                        row["error"] = str(e).splitlines()[0][:200]
                    report["cases"].append(row)
                    print(json.dumps(row), flush=True)
                del made
                torch.cuda.empty_cache()
    report["copy_tb_per_s_after"] = copy_ceiling()
    print(json.dumps({"copy_tb_per_s_after": round(report["copy_tb_per_s_after"], 3)}), flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
