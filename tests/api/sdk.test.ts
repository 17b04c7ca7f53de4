/**
 * The library API in process (sources, tiny-random on cpu-ref): streaming pieces add up to the blank
 * texts fillBlanks gives, blank by blank; cancellation stops the model calls; the custom sampler and
 * option checks refuse bad values with GlmErrors before any work; evaluate and runConformance.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TensorParallelSession } from '../../core/session/tensor-parallel-session.js';
import { evaluate, fillBlanks, generate, isGlmError, listConformanceCases, loadModel, openSession, runConformance, type GeneratedToken, type Session } from '../../sdk/index.js';

let session: Session;
beforeAll(async () => {
  session = await openSession(await loadModel('tiny-random'), { cacheCapacity: 96 });
});
afterAll(async () => {
  await session.close();
});

async function collect(iterator: AsyncIterable<GeneratedToken>): Promise<GeneratedToken[]> {
  const tokens: GeneratedToken[] = [];
  for await (const t of iterator) tokens.push(t);
  return tokens;
}

describe('sdk generate', () => {
  it('streams each blank in fill order; its pieces join to the blank fillBlanks fills (same seed), multi-byte text included', async () => {
    for (const [prompt, seed] of [['Hello [MASK] and [MASK], 你好 [gMASK]', 1], ['日本語 [MASK]。', 2], ['x', 3]] as const) {
      const options = { outSeqLength: 40, strategy: { kind: 'sampling' as const, topP: 0.9, seed } };
      const tokens = await collect(generate(session, prompt, options));
      const whole = await fillBlanks(session, prompt, options);
      const blanks = whole.beams[0]!.blanks;
      expect(tokens.every((t, i) => t.blank >= (tokens[i - 1]?.blank ?? 0) && t.blank < blanks.length)).toBe(true);
      blanks.forEach((text, i) => {
        const joined = tokens.filter((t) => t.blank === i).map((t) => t.text).join('');
        expect(joined, `${prompt} blank ${i}`).toBe(text.replace(/\uFFFD$/, ''));
      });
    }
  }, 60_000);

  it('the return value is the whole result with its source', async () => {
    const iterator = generate(session, 'a [MASK]', { outSeqLength: 20, strategy: { kind: 'sampling', topK: 1 } });
    let next = await iterator.next();
    while (!next.done) next = await iterator.next();
    expect(next.value.source).toMatchObject({ backend: 'cpu-ref', execution: 'reference' });
    expect(next.value.beams).toHaveLength(1);
  }, 30_000);

  it('abort stops both the tokens handed out and the model calls; break stops the model calls too', async () => {
    const decode = vi.spyOn(session.modelSession, 'decode');
    const decodeTop = vi.spyOn(session.modelSession, 'decodeTop');
    const calls = () => decode.mock.calls.length + decodeTop.mock.calls.length;
    // A strategy that never ends early: ids are bytes, never the end tokens.
    const never = { kind: 'custom' as const, sample: (logits: Float32Array) => logits.indexOf(Math.max(...logits.subarray(0, 256))) };
    const controller = new AbortController();
    const got: number[] = [];
    const error = await (async () => {
      for await (const t of generate(session, 'q', { outSeqLength: 90, strategy: never, signal: controller.signal })) {
        got.push(t.id);
        if (got.length === 3) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(got).toHaveLength(3);
    expect(calls()).toBeLessThan(80);
    const before = calls();
    for await (const t of generate(session, 'q', { outSeqLength: 90, strategy: never })) if (t) break;
    await new Promise((r) => setTimeout(r, 50));
    expect(calls() - before).toBeLessThan(80);
    decode.mockRestore();
    decodeTop.mockRestore();
  }, 60_000);

  it('a deadline (AbortSignal.timeout) stops a long generation on cpu-ref, whose calls never leave the microtask queue', async () => {
    const never = { kind: 'custom' as const, sample: (logits: Float32Array) => logits.indexOf(Math.max(...logits.subarray(0, 256))) };
    const started = performance.now();
    const error = await fillBlanks(session, 'q', { outSeqLength: 96, strategy: never, signal: AbortSignal.timeout(1) }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    const streamed: number[] = [];
    const stopped = await (async () => {
      for await (const t of generate(session, 'q', { outSeqLength: 96, strategy: never, signal: AbortSignal.timeout(1) })) streamed.push(t.id);
    })().catch((e: unknown) => e);
    expect((stopped as Error).name).toBe('TimeoutError');
    expect(streamed.length).toBeLessThan(94);
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it('refuses before any work: beam search, an outSeqLength beyond the cache, a bad sampler result, an aborted signal', async () => {
    const refusal = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
    const beam = await refusal(collect(generate(session, 'a', { strategy: { kind: 'beam', numBeams: 2, lengthPenalty: 1, noRepeatNgramSize: 0, minGenLength: 0 } })));
    expect(isGlmError(beam) && beam.code).toBe('usage');
    const long = await refusal(fillBlanks(session, 'a', { outSeqLength: 97 }));
    expect(isGlmError(long) && long.message).toMatch(/outSeqLength must be an integer in \[2, 96\]/);
    const sampler = await refusal(fillBlanks(session, 'a', { strategy: { kind: 'custom', sample: () => 1e9 } }));
    expect(isGlmError(sampler) && sampler.message).toMatch(/custom sampler returned 1000000000/);
    const aborted = await refusal(fillBlanks(session, 'a', { signal: AbortSignal.abort() }));
    expect((aborted as Error).name).toBe('AbortError');
  }, 30_000);
});

describe('sdk tensor parallelism (openSession tensorParallel)', () => {
  it('a session split over 2 ranks of cpu-ref fills blanks exactly as one rank does, and says so in its source', async () => {
    const model = await loadModel('tiny-random');
    const split = await openSession(model, { cacheCapacity: 96, tensorParallel: 2 });
    try {
      const options = { outSeqLength: 40, strategy: { kind: 'sampling' as const, topK: 1 } };
      const one = await fillBlanks(session, 'Hello [MASK] and [gMASK]', options);
      const two = await fillBlanks(split, 'Hello [MASK] and [gMASK]', options);
      expect(two.beams.map((b) => b.text)).toEqual(one.beams.map((b) => b.text));
      expect(split.source).toMatchObject({ backend: 'cpu-ref', tensorParallel: 2 });
      expect(split.modelSession).toBeInstanceOf(TensorParallelSession);
      expect(session.source.tensorParallel).toBe(1);
    } finally {
      await split.close();
    }
  }, 60_000);

  it('refuses a split that does not divide the heads, and the CPU fallback with it, before opening a backend (usage)', async () => {
    const model = await loadModel('tiny-random');
    for (const options of [{ tensorParallel: 3 }, { tensorParallel: 2, allowCpuFallback: true, backend: 'no-such-backend' }]) {
      const error = await openSession(model, options).then(() => undefined, (e: unknown) => e);
      expect(isGlmError(error) && error.code).toBe('usage');
    }
  });
});

describe('sdk evaluate and runConformance', () => {
  it('evaluates a task folder and reports where results come from', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'glm-sdk-task-'));
    mkdirSync(join(folder, 'c'));
    writeFileSync(join(folder, 'c.yaml'), 'name: c\ntype: mul\npath: c\nfile-pattern: "*.jsonl"\nmetrics: [Accuracy]\n');
    writeFileSync(join(folder, 'c', 'a.jsonl'), JSON.stringify({ inputs_pretokenized: 'ab [MASK]', choices_pretokenized: [' x', ' y', ' z'], label: 1 }) + '\n');
    const lines: string[] = [];
    const report = await evaluate(session, folder, { onLine: (l) => lines.push(l) });
    expect(report).toMatchObject({ backend: 'cpu-ref', execution: 'reference', dtype: 'f32' });
    expect([0, 100]).toContain(report.results[0]!.files[0]!.metrics.Accuracy);
    expect(lines[0]).toBe('Evaluating task c (mul):');
    await expect(evaluate(session, folder, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  }, 30_000);

  it('runs the conformance suite on a plugin named by path, with its report', async () => {
    const skeleton = resolve(import.meta.dirname, '..', '..', 'dist', 'backends', 'skeleton', 'index.js');
    const ids = listConformanceCases({ filter: 'op/gelu/f32/*' });
    const seen: string[] = [];
    const report = await runConformance({ backend: skeleton, filter: 'op/gelu/f32/*', onResult: (r) => seen.push(r.id) });
    expect(seen).toEqual(ids);
    expect(report).toMatchObject({ backend: 'skeleton', execution: 'emulator', counts: { unsupported: ids.length } });
    await expect(runConformance({ filter: 'no-such-case-*' })).rejects.toMatchObject({ code: 'usage' });
  }, 30_000);
});
