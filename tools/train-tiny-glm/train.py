#!/usr/bin/env python3
"""Train the tiny GLM with GLM's pretraining objective: autoregressive blank infilling.

Per sample (one corpus line, or a ≤ --max-text-tokens chunk of a long one):
  * with probability --mask-prob (0.3): [MASK] spans. Span lengths are drawn from Poisson(λ=3) (a 0
    counts as 1) until they cover round(15 %) of the tokens (the last one cut to fit); the spans are
    placed at random, never touching. Part A = the text with each span replaced by one [MASK], then eos
    unless it ends with a [MASK] (the spec's prompt rule). Part B = for each span, in random order,
    [sop] + the span's tokens; the targets are the span's tokens then [eop]. Every Part-B token sits
    at its [MASK]'s position.
  * otherwise (0.7): a [gMASK] suffix span: a split point p uniform in [0, n); Part A = text[:p] +
    [gMASK], Part B = [sop] + text[p:], targets text[p:] + [eop]; positions just continue
    ([sop] at p + 1 = the [gMASK] index + 1, …).
  Part A is seen bidirectionally, Part B causally (and sees all of Part A): with ctx = len(Part A),
  position i may attend j iff j < ctx or j ≤ i. The loss is the mean cross-entropy over Part B's targets.

Samples are packed into rows of --seq tokens; a block-diagonal mask keeps packed samples apart and
position ids restart at 0 for each sample. Training: embedding-gradient shrink α = 0.1, bf16 autocast
(the attention scores and the softmax in fp32, LayerNorm in fp32), AdamW, linear warmup then cosine
decay. The schedule ends at --max-steps or when --time-budget seconds of training have passed,
whichever comes first (progress = max(step/max_steps, elapsed/budget)), so a run fits a device lease.
The held-out blank-infilling loss (heldout.txt, masked once with a fixed seed, the same 30/70 mix) is
printed every --eval-every steps and the best checkpoint by held-out loss is kept.

    python3 tools/train-tiny-glm/prepare_data.py          # once, here (spm_encode)
    python3 tools/train-tiny-glm/train.py --out /tmp/runA [--time-budget 230] [--epochs 30] …

Writes OUT/best.pt (fp32 state dict of the best held-out checkpoint) and OUT/metrics.json.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from glm_torch import EOP, EOS, GMASK, MASK, PAD, SOP, GLMConfig, GLMModel, count_parameters  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
IGNORE = -100

# ---------------------------------------------------------------------------------------------
# Data.


def load_split(data_dir: str, split: str, max_text_tokens: int):
    """Token array and the (start, end) ranges of the texts: one per line, long lines cut into chunks."""
    tokens = np.fromfile(os.path.join(data_dir, f"{split}.tokens.u16"), dtype="<u2").astype(np.int64)
    offsets = np.fromfile(os.path.join(data_dir, f"{split}.offsets.i64"), dtype="<i8")
    ranges = []
    for a, b in zip(offsets[:-1], offsets[1:]):
        for s in range(int(a), int(b), max_text_tokens):
            ranges.append((s, min(s + max_text_tokens, int(b))))
    return tokens, np.array(ranges, dtype=np.int64)


def mask_spans(n: int, rng: np.random.Generator, ratio: float, lam: float):
    """Starts and lengths of non-touching [MASK] spans covering round(ratio·n) tokens (≥ 1), or None."""
    total = max(1, int(round(ratio * n)))
    lengths = []
    covered = 0
    while covered < total:
        length = min(max(1, int(rng.poisson(lam))), total - covered)
        lengths.append(length)
        covered += length
    k = len(lengths)
    free = n - total
    if k > free + 1:
        return None
    lengths = np.array(lengths, dtype=np.int64)
    rng.shuffle(lengths)
    # k distinct offsets among the free+1 gaps → at least one unmasked token between two spans.
    offsets = np.sort(rng.choice(free + 1, size=k, replace=False))
    starts = offsets + np.concatenate(([0], np.cumsum(lengths)[:-1]))
    return starts, lengths


def make_sample(text: np.ndarray, rng: np.random.Generator, use_mask: bool, seq: int, ratio=0.15, lam=3.0):
    """(ids, positions, context length, targets aligned with ids (IGNORE outside Part B), is_mask)."""
    n = len(text)
    if use_mask:
        spans = mask_spans(n, rng, ratio, lam)
        if spans is not None:
            starts, lengths = spans
            k = len(starts)
            # Positions of the [MASK] tokens in Part A: each span shrinks to one token.
            mask_pos = starts - np.concatenate(([0], np.cumsum(lengths - 1)[:-1]))
            pieces = []
            prev = 0
            for s, length in zip(starts, lengths):
                pieces.append(text[prev:s])
                pieces.append(np.array([MASK]))
                prev = s + length
            pieces.append(text[prev:])
            a = np.concatenate(pieces)
            if a[-1] != MASK:
                a = np.concatenate((a, [EOS]))
            ctx = len(a)
            total_len = ctx + int(lengths.sum()) + k
            if total_len <= seq:
                ids, pos, tgt = [a], [np.arange(ctx)], [np.full(ctx, IGNORE)]
                for idx in rng.permutation(k):
                    span = text[starts[idx] : starts[idx] + lengths[idx]]
                    ids.append(np.concatenate(([SOP], span)))
                    pos.append(np.full(len(span) + 1, mask_pos[idx]))
                    tgt.append(np.concatenate((span, [EOP])))
                return np.concatenate(ids), np.concatenate(pos), ctx, np.concatenate(tgt), True
    # [gMASK] suffix span.
    p = int(rng.integers(0, n))
    ctx = p + 1
    ids = np.concatenate((text[:p], [GMASK], [SOP], text[p:]))
    pos = np.arange(len(ids))
    tgt = np.concatenate((np.full(ctx, IGNORE), text[p:], [EOP]))
    return ids, pos, ctx, tgt, False


class Packer:
    """Packs samples into [rows, seq] arrays (first fit: a sample goes to the first row with room; when
    none has room the batch is finished): ids, positions, segment (−1 = padding), context end (absolute
    index in the row), targets, and whether the target belongs to a [MASK] sample."""

    def __init__(self, rows: int, seq: int):
        self.rows, self.seq = rows, seq
        self._reset()

    def _reset(self):
        r, t = self.rows, self.seq
        self.ids = np.full((r, t), PAD, dtype=np.int64)
        self.pos = np.zeros((r, t), dtype=np.int64)
        self.seg = np.full((r, t), -1, dtype=np.int64)
        self.ctxend = np.zeros((r, t), dtype=np.int64)
        self.tgt = np.full((r, t), IGNORE, dtype=np.int64)
        self.is_mask = np.zeros((r, t), dtype=np.bool_)
        self.col = np.zeros(r, dtype=np.int64)
        self.nseg, self.nsamples = 0, 0

    def add(self, sample):
        """Adds a sample; returns the finished batch (dict of arrays) when the sample did not fit in it."""
        ids, pos, ctx, tgt, is_mask = sample
        length = len(ids)
        assert length <= self.seq, length
        done = None
        fits = np.nonzero(self.col + length <= self.seq)[0]
        if len(fits) == 0:
            done = self.batch()
            self._reset()
            r = 0
        else:
            r = int(fits[0])
        c = int(self.col[r])
        self.ids[r, c : c + length] = ids
        self.pos[r, c : c + length] = pos
        self.seg[r, c : c + length] = self.nseg
        self.ctxend[r, c : c + length] = c + ctx
        self.tgt[r, c : c + length] = tgt
        self.is_mask[r, c : c + length] = is_mask
        self.col[r] += length
        self.nseg += 1
        self.nsamples += 1
        return done

    def batch(self):
        return {
            "ids": self.ids,
            "pos": self.pos,
            "seg": self.seg,
            "ctxend": self.ctxend,
            "tgt": self.tgt,
            "is_mask": self.is_mask,
            "nsamples": np.int64(self.nsamples),
        }

    def flush(self):
        return self.batch() if self.nsamples else None


class TrainStream(torch.utils.data.IterableDataset):
    """Endless packed batches; each DataLoader worker takes every W-th text, reshuffled and re-masked
    each pass, so the workers together cover the corpus once per epoch."""

    def __init__(self, tokens, ranges, rows, seq, mask_prob, seed):
        self.tokens, self.ranges, self.rows, self.seq, self.mask_prob, self.seed = tokens, ranges, rows, seq, mask_prob, seed

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        wid, nw = (info.id, info.num_workers) if info else (0, 1)
        rng = np.random.default_rng([self.seed, wid])
        mine = np.arange(wid, len(self.ranges), nw)
        packer = Packer(self.rows, self.seq)
        while True:
            for i in rng.permutation(mine):
                s, e = self.ranges[i]
                sample = make_sample(self.tokens[s:e], rng, rng.random() < self.mask_prob, self.seq)
                done = packer.add(sample)
                if done is not None:
                    yield {k: torch.from_numpy(np.asarray(v)) for k, v in done.items()}


def fixed_batches(tokens, ranges, rows, seq, mask_prob, seed):
    """One deterministic masking of every text, packed in order (the held-out set)."""
    rng = np.random.default_rng(seed)
    packer = Packer(rows, seq)
    out = []
    for s, e in ranges:
        done = packer.add(make_sample(tokens[s:e], rng, rng.random() < mask_prob, seq))
        if done is not None:
            out.append(done)
    last = packer.flush()
    if last is not None:
        out.append(last)
    return out


def packed_mask(seg: torch.Tensor, ctxend: torch.Tensor) -> torch.Tensor:
    """[rows, seq, seq] True = may attend: same packed sample and (j < ctx end or j ≤ i)."""
    t = seg.shape[1]
    j = torch.arange(t, device=seg.device)
    same = seg[:, :, None] == seg[:, None, :]
    return same & ((j[None, None, :] < ctxend[:, :, None]) | (j[None, None, :] <= j[None, :, None]))


def to_device(batch, device):
    return {k: torch.as_tensor(v).to(device, non_blocking=True) for k, v in batch.items()}


def unigram_baseline(train_batches_targets: np.ndarray, eval_batches, vocab: int) -> dict:
    """Cross-entropy of a unigram model (add-one counts of the training targets, [eop] included) on the
    held-out targets: the loss a model that ignores all context would get."""
    counts = np.bincount(train_batches_targets, minlength=vocab).astype(np.float64) + 1.0
    logp = np.log(counts / counts.sum())
    nll = {"all": [0.0, 0], "mask": [0.0, 0], "gmask": [0.0, 0]}
    for b in eval_batches:
        sel = b["tgt"] != IGNORE
        t = b["tgt"][sel]
        m = b["is_mask"][sel]
        for key, keep in (("all", np.ones_like(m)), ("mask", m), ("gmask", ~m)):
            nll[key][0] += float(-logp[t[keep]].sum())
            nll[key][1] += int(keep.sum())
    return {k: v[0] / max(1, v[1]) for k, v in nll.items()}


@torch.no_grad()
def evaluate(model: GLMModel, batches, device, autocast_dtype=None) -> dict:
    """Mean NLL (nats/token) over the held-out targets: all, [MASK] samples, [gMASK] samples."""
    was_training = model.training
    model.eval()
    sums = {"all": 0.0, "mask": 0.0, "gmask": 0.0}
    counts = {"all": 0, "mask": 0, "gmask": 0}
    for b in batches:
        b = to_device(b, device)
        mask = packed_mask(b["seg"], b["ctxend"])
        with torch.autocast(device_type=device.type, dtype=autocast_dtype or torch.float32, enabled=autocast_dtype is not None):
            hidden = model(b["ids"], b["pos"], attention_mask=mask, return_hidden=True)
            sel = b["tgt"] != IGNORE
            logits = model.logits(hidden[sel])
        nll = F.cross_entropy(logits.float(), b["tgt"][sel], reduction="none")
        is_mask = b["is_mask"][sel]
        for key, keep in (("all", torch.ones_like(is_mask)), ("mask", is_mask), ("gmask", ~is_mask)):
            sums[key] += float(nll[keep].sum())
            counts[key] += int(keep.sum())
    model.train(was_training)
    out = {k: sums[k] / max(1, counts[k]) for k in sums}
    out["tokens"] = counts
    return out


# ---------------------------------------------------------------------------------------------
# Training.


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="run")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=768)
    ap.add_argument("--vocab", type=int, default=8000)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--max-text-tokens", type=int, default=400)
    ap.add_argument("--rows", type=int, default=32, help="packed rows of --seq tokens per step")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr-ratio", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--dropout", type=float, default=0.1, help="hidden and attention dropout")
    ap.add_argument("--emb-shrink", type=float, default=0.1)
    ap.add_argument("--mask-prob", type=float, default=0.3)
    ap.add_argument("--epochs", type=float, default=30.0, help="sets --max-steps from the packed epoch size")
    ap.add_argument("--max-steps", type=int, default=0, help="overrides --epochs when > 0")
    ap.add_argument("--time-budget", type=float, default=0.0, help="seconds of training (0: none)")
    ap.add_argument("--eval-every", type=int, default=150)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--dtype", choices=["bf16", "fp32"], default="bf16")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()

    t_start = time.time()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    amp = torch.bfloat16 if args.dtype == "bf16" else None

    cfg = GLMConfig(
        num_layers=args.layers,
        hidden_size=args.hidden,
        num_heads=args.heads,
        ffn_hidden_size=args.ffn,
        vocab_size=args.vocab,
        padded_vocab_size=-(-args.vocab // 64) * 64,
        max_sequence_length=args.seq,
    )
    model = GLMModel(cfg, hidden_dropout=args.dropout, attention_dropout=args.dropout)
    model.init_weights(args.seed)
    model.to(device)
    n_params = count_parameters(model)

    train_tokens, train_ranges = load_split(args.data, "train", args.max_text_tokens)
    held_tokens, held_ranges = load_split(args.data, "heldout", args.max_text_tokens)
    eval_batches = fixed_batches(held_tokens, held_ranges, args.rows, args.seq, args.mask_prob, seed=4321)
    # One masking of the training set: its packed size defines an epoch, its targets the unigram baseline.
    epoch_batches = fixed_batches(train_tokens, train_ranges, args.rows, args.seq, args.mask_prob, seed=999)
    steps_per_epoch = len(epoch_batches)
    train_targets = np.concatenate([b["tgt"][b["tgt"] != IGNORE] for b in epoch_batches])
    unigram = unigram_baseline(train_targets, eval_batches, cfg.padded_vocab_size)
    packed_fill = float(np.mean([(b["seg"] >= 0).mean() for b in epoch_batches]))
    del epoch_batches
    max_steps = args.max_steps if args.max_steps > 0 else int(round(args.epochs * steps_per_epoch))

    def log(msg):
        print(f"[{args.name} {time.time() - t_start:7.1f}s] {msg}", flush=True)

    log(f"config {json.dumps(cfg.to_sdk_json())}")
    log(f"parameters {n_params:,}; alpha {cfg.alpha:.4f}; device {device} "
        f"{torch.cuda.get_device_name(device) if device.type == 'cuda' else ''}")
    log(f"train texts {len(train_ranges)} ({len(train_tokens):,} tokens); held-out texts {len(held_ranges)} "
        f"({len(held_tokens):,} tokens, {len(eval_batches)} batches); steps/epoch {steps_per_epoch} "
        f"(rows {args.rows} × {args.seq}, fill {packed_fill:.3f}); max steps {max_steps}; time budget {args.time_budget}s")
    log(f"unigram baseline on held-out targets: {json.dumps(unigram)}")

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.ndim == 2 else no_decay).append(p)
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr / args.warmup,
        betas=(0.9, 0.95),
        eps=1e-8,
        fused=device.type == "cuda",
    )

    stream = TrainStream(train_tokens, train_ranges, args.rows, args.seq, args.mask_prob, args.seed)
    loader = torch.utils.data.DataLoader(
        stream,
        batch_size=None,
        num_workers=args.workers,
        pin_memory=device.type == "cuda",
        prefetch_factor=4 if args.workers > 0 else None,
        persistent_workers=False,
    )
    it = iter(loader)

    curve = []
    best = {"heldout": float("inf"), "step": -1}
    best_state = None
    loss_sum = torch.zeros((), device=device)
    loss_steps = 0
    samples_seen = 0
    target_tokens = 0
    step = 0
    warmup_progress = None
    t_train = time.time()

    def progress_now():
        p = step / max_steps
        if args.time_budget > 0:
            p = max(p, (time.time() - t_train) / args.time_budget)
        return p

    def do_eval(tag):
        nonlocal best, best_state
        ev = evaluate(model, eval_batches, device, amp)
        train_loss = float(loss_sum) / max(1, loss_steps)
        entry = {
            "step": step,
            "epochs": round(samples_seen / len(train_ranges), 3),
            "seconds": round(time.time() - t_train, 1),
            "lr": opt.param_groups[0]["lr"],
            "train_loss": round(train_loss, 4) if loss_steps else None,
            "heldout_loss": round(ev["all"], 4),
            "heldout_mask_loss": round(ev["mask"], 4),
            "heldout_gmask_loss": round(ev["gmask"], 4),
        }
        curve.append(entry)
        if ev["all"] < best["heldout"]:
            best = {"heldout": ev["all"], "heldout_mask": ev["mask"], "heldout_gmask": ev["gmask"], "step": step,
                    "epochs": entry["epochs"]}
            best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        log(f"{tag} step {step} epoch {entry['epochs']:.2f} lr {entry['lr']:.2e} train {entry['train_loss']} "
            f"held-out {ev['all']:.4f} (mask {ev['mask']:.4f}, gmask {ev['gmask']:.4f}) best {best['heldout']:.4f}@{best['step']}")

    do_eval("eval")
    t_train = time.time()  # the budget counts training steps (and later evaluations), not start-up
    model.train()
    while True:
        p = progress_now()
        if p >= 1.0:
            break
        if step < args.warmup:
            lr = args.lr * (step + 1) / args.warmup
        else:
            if warmup_progress is None:
                warmup_progress = p
            q = min(1.0, (p - warmup_progress) / max(1e-9, 1.0 - warmup_progress))
            lr = args.lr * (args.min_lr_ratio + (1 - args.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * q)))
        for g in opt.param_groups:
            g["lr"] = lr

        batch = to_device(next(it), device)
        samples_seen += int(batch["nsamples"])
        mask = packed_mask(batch["seg"], batch["ctxend"])
        sel = batch["tgt"] != IGNORE
        with torch.autocast(device_type=device.type, dtype=amp or torch.float32, enabled=amp is not None):
            hidden = model(batch["ids"], batch["pos"], attention_mask=mask, embedding_shrink=args.emb_shrink, return_hidden=True)
            logits = model.logits(hidden[sel])
        targets = batch["tgt"][sel]
        target_tokens += int(targets.numel())
        loss = F.cross_entropy(logits.float(), targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        loss_sum += loss.detach()
        loss_steps += 1
        step += 1
        if step % args.log_every == 0 and step % args.eval_every != 0:
            log(f"step {step} lr {lr:.2e} loss {float(loss.detach()):.4f} epochs {samples_seen / len(train_ranges):.2f} "
                f"progress {progress_now():.3f}")
        if step % args.eval_every == 0:
            do_eval("eval")
            loss_sum.zero_()
            loss_steps = 0
    train_seconds = time.time() - t_train
    if curve[-1]["step"] != step:
        do_eval("final")
    del it, loader

    torch.save(best_state, os.path.join(args.out, "best.pt"))
    metrics = {
        "name": args.name,
        "args": vars(args),
        "config": cfg.to_sdk_json(),
        "parameters": n_params,
        "steps": step,
        "max_steps": max_steps,
        "steps_per_epoch": steps_per_epoch,
        "epochs": round(samples_seen / len(train_ranges), 3),
        "train_texts": len(train_ranges),
        "train_tokens": int(len(train_tokens)),
        "heldout_texts": len(held_ranges),
        "heldout_tokens": int(len(held_tokens)),
        "target_tokens_seen": target_tokens,
        "tokens_per_step": args.rows * args.seq,
        "train_seconds": round(train_seconds, 1),
        "seconds_per_step": round(train_seconds / max(1, step), 4),
        "best": best,
        "unigram_baseline": unigram,
        "curve": curve,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
    }
    with open(os.path.join(args.out, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=1)
    log(f"done: {step} steps in {train_seconds:.1f}s ({metrics['epochs']} epochs); best held-out {best['heldout']:.4f} at step {best['step']}")


if __name__ == "__main__":
    main()
