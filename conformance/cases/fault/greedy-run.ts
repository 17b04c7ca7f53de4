/**
 * The generation the fault cases break: the tiny GLM (seeded weights) greedily filling one blank for a
 * few steps through the runtime session (prefill, then decode steps over the in-place KV cache), driven
 * one call at a time so a case can fail any call and retry it. The clean run records each call's
 * logits — what a call after a failure must reproduce bit for bit — and how many events of each fault
 * kind each phase causes, so a case can aim its fault at the middle of a phase.
 */
import type { Backend } from '../../../core/backend-api/plugin-contract.js';
import { FAULT_KINDS, type FaultInjection, type FaultKind } from '../../../core/backend-api/fault-injection.js';
import { ByteTokenizer } from '../../../core/io/byte-tokenizer.js';
import { TINY } from '../../../core/models/glm/config.js';
import { prepareWeights, randomWeights } from '../../../core/models/glm/weights.js';
import { buildBlankInput, nextPositions, positionRule, prepareContext, type PositionRule } from '../../../core/generate/glm-inputs.js';
import { argmax } from '../../../core/generate/logits-math.js';
import type { PrefillRow } from '../../../core/generate/decoding-model.js';
import { ModelSession } from '../../../core/session/session.js';
import { seedOf } from '../../seeded.js';

const CONFIG = TINY;
const DTYPE = 'f32' as const;
const PROMPT = 'The cat sat on the [MASK].';
/** Decode steps after the prefill: enough to fail one in the middle and continue past it. */
export const DECODE_STEPS = 4;
/** The decode step the decode faults hit (1-based): earlier steps filled the cache, later ones read it. */
export const FAULTED_STEP = 2;

export type EventCounts = Record<FaultKind, number>;

/** One call's logits and the events of each kind it caused. */
export interface CallRecord {
  readonly logits: Float32Array;
  readonly events?: EventCounts;
}

export interface CleanRun {
  /** Events of opening the session (compiling and uploading the weights). */
  readonly openEvents?: EventCounts;
  /** The prefill (index 0), then each decode step. */
  readonly calls: readonly CallRecord[];
  readonly tokens: readonly number[];
}

const weightsCache = new Map<string, Map<string, import('../../../core/tensor/host-tensor.js').HostTensor>>();

function weights() {
  const id = 'fault/tiny-generation';
  let w = weightsCache.get(id);
  if (!w) {
    w = prepareWeights(CONFIG, randomWeights(CONFIG, 'f32', seedOf(id)), DTYPE, 'none', id);
    weightsCache.set(id, w);
  }
  return w;
}

function prompt(): { row: PrefillRow; rule: PositionRule } {
  const tokenizer = new ByteTokenizer();
  const context = prepareContext(tokenizer.encode(PROMPT), tokenizer.special);
  const maskAt = context.findIndex((t) => t === tokenizer.special.mask);
  return {
    row: buildBlankInput(context, maskAt, tokenizer.special, { rotary: CONFIG.rotary }),
    rule: positionRule(context, maskAt, tokenizer.special, CONFIG.rotary),
  };
}

/** Restarts every kind's count (and disarms): what `measure` reads afterwards is one phase's. */
export function restartCounts(faults: FaultInjection): void {
  for (const k of FAULT_KINDS) if (faults.kinds.includes(k)) faults.arm(k, 0);
}

async function measure<T>(faults: FaultInjection | undefined, work: () => Promise<T>): Promise<{ value: T; events?: EventCounts }> {
  if (!faults) return { value: await work() };
  restartCounts(faults);
  const value = await work();
  return { value, events: faults.counts() };
}

/** A session on the backend, fed call by call; `call(k)` is the prefill for k = 0, else decode step k. */
export class GreedyRun {
  private readonly rule: PositionRule;
  private readonly row: PrefillRow;
  readonly tokens: number[] = [];

  private constructor(readonly session: ModelSession) {
    const p = prompt();
    this.rule = p.rule;
    this.row = p.row;
  }

  static async open(backend: Backend): Promise<GreedyRun> {
    return new GreedyRun(await ModelSession.open(backend, CONFIG, weights(), { dtype: DTYPE }));
  }

  /**
   * Call k: the prefill (k = 0) or decode step k, which feeds the token chosen from call k − 1's
   * logits. Returns the logits; the token it implies is recorded only when the call succeeded.
   */
  async call(k: number): Promise<Float32Array> {
    let logits: Float32Array;
    if (k === 0) {
      [logits] = (await this.session.prefill([this.row])) as [Float32Array];
    } else {
      const token = this.tokens[k - 1]!;
      const { position, blockPosition } = nextPositions(this.rule, k);
      [logits] = (await this.session.decode({
        tokens: [token],
        positions: [position],
        ...(blockPosition === undefined ? {} : { blockPositions: [blockPosition] }),
        parents: [0],
      })) as [Float32Array];
    }
    this.tokens[k] = argmax(logits.subarray(0, CONFIG.vocabSize));
    this.tokens.length = k + 1;
    return logits;
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

/** Opens, runs the prefill and every decode step, closes; with each phase's fault events when it can count them. */
export async function cleanRun(backend: Backend, faults: FaultInjection | undefined): Promise<CleanRun> {
  const opened = await measure(faults, () => GreedyRun.open(backend));
  const run = opened.value;
  try {
    const calls: CallRecord[] = [];
    for (let k = 0; k <= DECODE_STEPS; k++) {
      const { value, events } = await measure(faults, () => run.call(k));
      calls.push({ logits: value, ...(events ? { events } : {}) });
    }
    return { ...(opened.events ? { openEvents: opened.events } : {}), calls, tokens: [...run.tokens] };
  } finally {
    await run.close();
  }
}

/** Where two logit rows first differ bit for bit, or -1. */
export function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}
