#!/usr/bin/env python3
"""Pick the training run with the lowest held-out loss and write the model folder.

    python3 tools/train-tiny-glm/export.py --runs /tmp/runA /tmp/runB --out OUT [--wall-start EPOCH]

Writes OUT/model.safetensors (fp16, the SDK's weight names), OUT/config.json and OUT/training.json
(hyper-parameters, steps, loss curves of every run, device, date, wall time). The held-out loss it
reports is re-measured in float32 (no TF32) on the fp16 weights as written, i.e. on the shipped model.
"""
import argparse
import datetime
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from glm_torch import GLMConfig, GLMModel, load_model, save_safetensors_fp16  # noqa: E402
from train import evaluate, fixed_batches, load_split  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

OBJECTIVE = {
    "name": "autoregressive blank infilling (GLM-130B)",
    "mask_sample_probability": 0.3,
    "mask_spans": "Poisson(lambda=3) lengths (0 counts as 1) covering round(15%) of a text's tokens, never touching",
    "gmask_sample_probability": 0.7,
    "gmask_span": "suffix from a split point uniform in [0, n)",
    "part_a": "text with each span replaced by its mask token (+ eos unless it ends with a mask token); bidirectional",
    "part_b": "[sop] + span per span (random span order for [MASK]); targets span + [eop]; causal, sees all of Part A",
    "positions": "Part A arange; [MASK] spans at the mask token's position; [gMASK] spans continue (mask index + 1, ...)",
    "packing": "samples packed into rows of 512 tokens with a block-diagonal GLM mask, positions restart per sample",
    "embedding_gradient_shrink": 0.1,
    "precision": "bf16 autocast; attention scores, softmax, LayerNorm and the loss in fp32; fp32 master weights",
    "optimizer": "AdamW(betas 0.9/0.95, eps 1e-8), decay on matrices only, grad clip 1.0",
    "schedule": "linear warmup, then cosine to min_lr_ratio*lr over progress = max(step/max_steps, elapsed/time_budget)",
    "selection": "the checkpoint with the lowest held-out loss (evaluated every eval_every steps) of the best run",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", nargs="+", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--wall-start", type=float, default=None, help="epoch seconds when the whole job began")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    runs = []
    for d in args.runs:
        path = os.path.join(d, "metrics.json")
        if not os.path.exists(path):
            print(f"skipping {d}: no metrics.json (the run failed)")
            continue
        with open(path, encoding="utf-8") as f:
            runs.append((d, json.load(f)))
    if not runs:
        sys.exit("no finished run")
    runs.sort(key=lambda r: r[1]["best"]["heldout"])
    best_dir, best = runs[0]
    print("runs by best held-out loss: " + ", ".join(f"{m['name']} {m['best']['heldout']:.4f}@{m['best']['step']}" for _, m in runs))

    cfg = GLMConfig.from_sdk_json(best["config"])
    model = GLMModel(cfg)
    model.load_state_dict(torch.load(os.path.join(best_dir, "best.pt"), map_location="cpu"))
    weights = os.path.join(args.out, "model.safetensors")
    save_safetensors_fp16(model, weights, metadata={"format": "pt", "model": "glm-tiny", "run": best["name"], "step": str(best["best"]["step"])})
    os.chmod(weights, 0o644)
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg.to_sdk_json(), f, indent=2)
        f.write("\n")

    # Held-out loss of the shipped fp16 weights, in float32.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    shipped = load_model(os.path.join(args.out, "config.json"), weights, dtype=torch.float32, device=str(device))
    a = best["args"]
    held_tokens, held_ranges = load_split(args.data, "heldout", a["max_text_tokens"])
    batches = fixed_batches(held_tokens, held_ranges, a["rows"], a["seq"], a["mask_prob"], seed=4321)
    ev = evaluate(shipped, batches, device, None)
    print(f"shipped model, fp32 held-out loss {ev['all']:.4f} (mask {ev['mask']:.4f}, gmask {ev['gmask']:.4f}); "
          f"unigram {best['unigram_baseline']['all']:.4f}")

    now = time.time()
    training = {
        "model": "glm-tiny",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "device": best["device"],
        "torch": torch.__version__,
        "wall_seconds": round(now - args.wall_start, 1) if args.wall_start else None,
        "config": cfg.to_sdk_json(),
        "parameters": best["parameters"],
        "chosen_run": best["name"],
        "chosen_step": best["best"]["step"],
        "chosen_epochs": best["best"]["epochs"],
        "heldout": {
            "what": "mean cross-entropy (nats/token) over the Part-B targets (span tokens + [eop]) of heldout.txt, "
                    "masked once with seed 4321 (30% [MASK] / 70% [gMASK] samples); fp16 weights evaluated in fp32",
            "loss": round(ev["all"], 4),
            "mask_loss": round(ev["mask"], 4),
            "gmask_loss": round(ev["gmask"], 4),
            "perplexity": round(float(torch.exp(torch.tensor(ev["all"]))), 2),
            "target_tokens": ev["tokens"],
            "unigram_baseline": {k: round(v, 4) for k, v in best["unigram_baseline"].items()},
            "unigram_baseline_what": "add-one unigram of the training targets (one masking of train.txt, [eop] included), same held-out targets",
        },
        "objective": OBJECTIVE,
        "hyperparameters": best["args"],
        "steps": best["steps"],
        "epochs": best["epochs"],
        "steps_per_epoch": best["steps_per_epoch"],
        "tokens_per_step": best["tokens_per_step"],
        "train_seconds": best["train_seconds"],
        "seconds_per_step": best["seconds_per_step"],
        "data": {
            "train_texts": best["train_texts"],
            "train_tokens": best["train_tokens"],
            "heldout_texts": best["heldout_texts"],
            "heldout_tokens": best["heldout_tokens"],
        },
        "curve": best["curve"],
        "runs": [
            {k: m[k] for k in ("name", "args", "steps", "epochs", "train_seconds", "seconds_per_step", "best", "curve")}
            for _, m in runs
        ],
    }
    meta_path = os.path.join(args.data, "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path, encoding="utf-8") as f:
            training["data"]["tokenization"] = json.load(f)
    with open(os.path.join(args.out, "training.json"), "w", encoding="utf-8") as f:
        json.dump(training, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {weights} ({os.path.getsize(weights):,} bytes), config.json, training.json")


if __name__ == "__main__":
    main()
