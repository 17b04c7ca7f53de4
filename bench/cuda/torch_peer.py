#!/usr/bin/env python3
"""PyTorch peer of bench/cuda/glm-layer.ts: one GLM-130B-shaped layer in fp16 with random weights.

The same computation as the SDK's block graph (core/models/glm/block.ts): LayerNorm -> QKV (per-head
[q|k|v] interleave) -> 1-D rotary (rotate-half) -> KV cache append by concatenation -> GLM attention
(prefix-bidirectional mask, -10000 fill, fp32 softmax) -> dense -> DeepNorm residual -> LayerNorm ->
GeGLU MLP (exact-erf GeLU on the second half) -> DeepNorm residual.

Variants: eager (explicit attention), sdpa (F.scaled_dot_product_attention), sdpa+graph (the sdpa
layer captured in a CUDA graph), and optionally compiled+graph (torch.compile
mode="max-autotune-no-cudagraphs", then captured) with --compile. Ceilings: a device copy and an
8192^3 fp16 matmul. Timed with CUDA events after warm-up; the median of the repeats is reported.

Usage: python3 bench/cuda/torch_peer.py --out torch.json [--reps 20] [--compile] [--profile decode-b16-cache2048] [--cases decode-b1-cache2048,prefill-2048]
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F

HIDDEN, HEADS, HEAD_DIM, FFN = 12288, 96, 128, 32768
ALPHA = math.sqrt(2 * 70)
DTYPE = torch.float16


def timed(fn, reps, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return {"median_ms": statistics.median(times), "min_ms": min(times), "reps": reps}


def uniform(shape, low, high, gen):
    return (torch.rand(shape, device="cuda", dtype=torch.float32, generator=gen) * (high - low) + low).to(DTYPE)


def make_weights(gen):
    w = {}
    w["ln1_w"] = uniform((HIDDEN,), 0.8, 1.2, gen)
    w["ln1_b"] = uniform((HIDDEN,), -0.1, 0.1, gen)
    w["qkv_w"] = uniform((3 * HIDDEN, HIDDEN), -0.02, 0.02, gen)
    w["qkv_b"] = uniform((3 * HIDDEN,), -0.02, 0.02, gen)
    w["dense_w"] = uniform((HIDDEN, HIDDEN), -0.02, 0.02, gen)
    w["dense_b"] = uniform((HIDDEN,), -0.02, 0.02, gen)
    w["ln2_w"] = uniform((HIDDEN,), 0.8, 1.2, gen)
    w["ln2_b"] = uniform((HIDDEN,), -0.1, 0.1, gen)
    w["up_w"] = uniform((2 * FFN, HIDDEN), -0.02, 0.02, gen)
    w["up_b"] = uniform((2 * FFN,), -0.02, 0.02, gen)
    w["down_w"] = uniform((HIDDEN, FFN), -0.02, 0.02, gen)
    w["down_b"] = uniform((HIDDEN,), -0.02, 0.02, gen)
    return w


def rotary_tables(positions):
    inv_freq = 1.0 / (10000 ** (torch.arange(0, HEAD_DIM, 2, device="cuda", dtype=torch.float32) / HEAD_DIM))
    theta = positions.to(torch.float32)[..., None] * inv_freq  # [B, S, D/2]
    emb = torch.cat([theta, theta], dim=-1)[:, None]  # [B, 1, S, D]
    return emb.cos().to(DTYPE), emb.sin().to(DTYPE)


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


def layer(w, x, past_k, past_v, cos, sin, mask, use_sdpa, static_cache=None):
    """static_cache=(cache_k, cache_v, past): write k/v in place at `past` of preallocated caches and
    attend over their first past+seq positions (a static KV cache), instead of concatenating."""
    b, s, _ = x.shape
    a = F.layer_norm(x, (HIDDEN,), w["ln1_w"], w["ln1_b"], 1e-5)
    qkv = F.linear(a, w["qkv_w"], w["qkv_b"]).view(b, s, HEADS, 3 * HEAD_DIM)
    q, k, v = qkv.split(HEAD_DIM, dim=-1)
    q = rotate(q.permute(0, 2, 1, 3), cos, sin)
    k = rotate(k.permute(0, 2, 1, 3), cos, sin)
    v = v.permute(0, 2, 1, 3)
    if static_cache is None:
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
    else:
        cache_k, cache_v, past = static_cache
        cache_k[:, :, past:past + s] = k
        cache_v[:, :, past:past + s] = v
        k, v = cache_k[:, :, :past + s], cache_v[:, :, :past + s]
    if use_sdpa:
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    else:
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(HEAD_DIM)
        if mask is not None:
            scores = scores.masked_fill(~mask, -10000.0)
        probs = torch.softmax(scores.float(), dim=-1).to(DTYPE)
        ctx = torch.matmul(probs, v)
    ctx = ctx.permute(0, 2, 1, 3).reshape(b, s, HIDDEN)
    h = a * ALPHA + F.linear(ctx, w["dense_w"], w["dense_b"])
    m = F.layer_norm(h, (HIDDEN,), w["ln2_w"], w["ln2_b"], 1e-5)
    up = F.linear(m, w["up_w"], w["up_b"])
    gate, act = up.chunk(2, dim=-1)
    out = m * ALPHA + F.linear(gate * F.gelu(act), w["down_w"], w["down_b"])
    return out, k, v


def static_cache(past_k, past_v, seq, past):
    """The past keys and values in preallocated caches with room for `seq` more, for layer()'s
    static_cache (written in place, as the SDK's in-place graph does)."""
    cache_k = torch.cat([past_k, torch.zeros_like(past_k[:, :, :seq])], dim=2)
    cache_v = torch.cat([past_v, torch.zeros_like(past_v[:, :, :seq])], dim=2)
    return cache_k, cache_v, past


def case_inputs(batch, seq, past, context, gen):
    x = uniform((batch, seq, HIDDEN), -1, 1, gen)
    past_k = uniform((batch, HEADS, past, HEAD_DIM), -1, 1, gen)
    past_v = uniform((batch, HEADS, past, HEAD_DIM), -1, 1, gen)
    positions = torch.arange(past, past + seq, device="cuda")[None].expand(batch, seq)
    cos, sin = rotary_tables(positions)
    keys = past + seq
    mask = None
    if seq > 1:  # decode attends to every cached key; a prefill needs the GLM prefix mask
        i = torch.arange(seq, device="cuda")[:, None] + (keys - seq)
        j = torch.arange(keys, device="cuda")[None, :]
        mask = ((j < context) | (j <= i))[None, None]
    return x, past_k, past_v, cos, sin, mask


def kernel_table(fn, iters=10):
    """The device kernels of `fn` (not captured: the same kernels a graph replays), as rows of
    (name, calls per iteration, mean microseconds per call), longest total first."""
    from torch.profiler import ProfilerActivity, profile
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(iters):
            fn()
        torch.cuda.synchronize()
    rows = []
    for a in prof.key_averages():
        total = getattr(a, "device_time_total", None) or getattr(a, "cuda_time_total", 0)
        if total > 0 and a.count > 0:
            rows.append((a.key, a.count / iters, total / a.count))
    return sorted(rows, key=lambda r: -r[1] * r[2])


def run_variants(w, name, batch, seq, past, context, reps, gen, compile_too, kernel_tables=None):
    """The case's variants' timings; with kernel_tables (a dict), also its compiled variant's kernels there."""
    x, past_k, past_v, cos, sin, mask = case_inputs(batch, seq, past, context, gen)
    result = {}
    with torch.inference_mode():
        result["eager"] = timed(lambda: layer(w, x, past_k, past_v, cos, sin, mask, False), reps)
        result["sdpa"] = timed(lambda: layer(w, x, past_k, past_v, cos, sin, mask, True), reps)
        graph = torch.cuda.CUDAGraph()
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            for _ in range(2):
                layer(w, x, past_k, past_v, cos, sin, mask, True)
        torch.cuda.current_stream().wait_stream(stream)
        with torch.cuda.graph(graph):
            layer(w, x, past_k, past_v, cos, sin, mask, True)
        result["sdpa+graph"] = timed(graph.replay, reps)
        del graph
        if past > 0:
            # A static KV cache (written in place, as the SDK's in-place graph does), captured.
            static = static_cache(past_k, past_v, seq, past)
            sgraph = torch.cuda.CUDAGraph()
            with torch.cuda.stream(stream):
                for _ in range(2):
                    layer(w, x, None, None, cos, sin, mask, True, static)
            torch.cuda.current_stream().wait_stream(stream)
            with torch.cuda.graph(sgraph):
                layer(w, x, None, None, cos, sin, mask, True, static)
            result["sdpa+static-cache+graph"] = timed(sgraph.replay, reps)
            del sgraph
        if compile_too:
            started = time.time()
            compiled = torch.compile(lambda *a: layer(w, *a, True), mode="max-autotune-no-cudagraphs")
            for _ in range(3):
                compiled(x, past_k, past_v, cos, sin, mask)
            torch.cuda.synchronize()
            cgraph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(cgraph):
                compiled(x, past_k, past_v, cos, sin, mask)
            result["compiled+graph"] = timed(cgraph.replay, reps)
            result["compiled+graph"]["compile_s"] = time.time() - started
            del cgraph
            if past > 0:
                started = time.time()
                compiled_static = torch.compile(lambda *a: layer(w, *a, True, static), mode="max-autotune-no-cudagraphs")
                for _ in range(3):
                    compiled_static(x, None, None, cos, sin, mask)
                torch.cuda.synchronize()
                csgraph = torch.cuda.CUDAGraph()
                with torch.cuda.graph(csgraph):
                    compiled_static(x, None, None, cos, sin, mask)
                result["compiled+static-cache+graph"] = timed(csgraph.replay, reps)
                result["compiled+static-cache+graph"]["compile_s"] = time.time() - started
                del csgraph
                if kernel_tables is not None:
                    # Where PyTorch's time goes, kernel by kernel, for comparison with ours (Nsight Compute).
                    table = kernel_table(lambda: compiled_static(x, None, None, cos, sin, mask))
                    kernel_tables[name] = [{"kernel": k, "per_step": c, "us": u} for k, c, u in table]
                    for k, c, u in table:
                        print(f"kernel {name} compiled+static-cache: {u:8.1f} us x{c:g}  {k[:110]}", flush=True)
    torch.cuda.empty_cache()
    print(f"{name}: " + ", ".join(f"{k} {v['median_ms']:.3f} ms" for k, v in result.items()), flush=True)
    return result


def ceilings(reps):
    out = {}
    n = 1 << 30
    src = torch.empty(n, dtype=torch.uint8, device="cuda").random_()
    dst = torch.empty_like(src)
    t = timed(lambda: dst.copy_(src), reps)
    out["copy"] = {**t, "bytes": 2 * n, "tb_per_s": 2 * n / (t["median_ms"] * 1e-3) / 1e12}
    del src, dst
    size = 8192
    a = torch.randn(size, size, device="cuda", dtype=DTYPE)
    b = torch.randn(size, size, device="cuda", dtype=DTYPE)
    t = timed(lambda: torch.matmul(a, b), reps)
    out["gemm_fp16_8192"] = {**t, "tflop_per_s": 2 * size**3 / (t["median_ms"] * 1e-3) / 1e12}
    del a, b
    torch.cuda.empty_cache()
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--profile", help="a case whose compiled variant's kernels are listed (torch.profiler)")
    parser.add_argument("--cases", help="comma-separated case names, timed in the order given (default: decode b1, decode b16, prefill)")
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    gen = torch.Generator(device="cuda").manual_seed(1234)
    report = {
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(),
        "date": time.strftime("%Y-%m-%d"),
        "ceilings": ceilings(args.reps),
    }
    print(f"ceilings: copy {report['ceilings']['copy']['tb_per_s']:.2f} TB/s, gemm {report['ceilings']['gemm_fp16_8192']['tflop_per_s']:.0f} TFLOP/s", flush=True)
    w = make_weights(gen)
    report["cases"] = {}
    shapes = [("decode-b1-cache2048", 1, 1, 2048), ("decode-b16-cache2048", 16, 1, 2048), ("prefill-2048", 1, 2048, 0)]
    if args.cases:
        # The order matters: prefill leaves the card at its power limit, which slows what follows.
        by_name = {s[0]: s for s in shapes}
        unknown = [c for c in args.cases.split(",") if c not in by_name]
        if unknown:
            parser.error(f"unknown case(s) {unknown}; known: {list(by_name)}")
        shapes = [by_name[c] for c in args.cases.split(",")]
    for name, batch, seq, past in shapes:
        tables = report.setdefault("compiled+static-cache kernels", {}) if name == args.profile else None
        report["cases"][name] = run_variants(w, name, batch, seq, past, 1024, args.reps, gen, args.compile, tables)
        with open(args.out, "w") as f:  # after every case, so a time limit keeps what was measured
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
