/** What a conformance case is: a graph with seeded inputs, or a generation run, and how to judge it. */
import type { Graph } from '../core/ir/graph.js';
import type { DType } from '../core/tensor/dtype.js';
import type { HostTensor } from '../core/tensor/host-tensor.js';
import type { Backend } from '../core/backend-api/plugin-contract.js';
import type { Tolerance } from './tolerance.js';

export type CaseLevel = 'op' | 'block' | 'model' | 'generation' | 'fault';

/**
 * How composites are run: 'as-built' lets the backend claim them (or decomposes what it refuses);
 * 'decomposed' forces the decomposition, so a backend that claims a composite is checked on both.
 */
export type CompositeMode = 'as-built' | 'decomposed';

export interface GraphCaseInstance {
  readonly graph: Graph;
  readonly inputs: Readonly<Record<string, HostTensor>>;
  readonly tolerance: Tolerance;
  /** Floating-point operations of one run, for perf mode. */
  readonly flops: number;
}

export interface GraphCase {
  readonly kind: 'graph';
  /** Unique, stable, shell-safe: `op/matmul/f16/17x33x9`. */
  readonly id: string;
  readonly level: CaseLevel;
  /** The op under test, or `glm-block` / `glm-model`. */
  readonly subject: string;
  readonly dtype: DType;
  readonly composites: CompositeMode;
  /**
   * Run with graph output `output` bound to the tensor of graph input `input` (the op's declared
   * in-place pair: the caller donates the input), instead of a separate poisoned output.
   */
  readonly inPlace?: { readonly input: string; readonly output: string };
  /** Built lazily: inputs are drawn from a seed derived from the id. */
  build(): GraphCaseInstance;
}

export interface GenerationOutcome {
  readonly tokens: readonly number[];
  /** Smallest gap between the best and second-best logit over the steps (ties make greedy ambiguous). */
  readonly smallestTopGap: number;
  readonly largestLogit: number;
}

export interface GenerationCase {
  readonly kind: 'generation';
  readonly id: string;
  readonly level: CaseLevel;
  readonly subject: string;
  readonly dtype: DType;
  readonly composites: CompositeMode;
  /** Runs the whole generation on a backend. */
  run(backend: Backend): Promise<GenerationOutcome>;
}

/** A fault case's verdict: it judges the backend alone (no reference run); see conformance/cases/fault/. */
export interface FaultOutcome {
  readonly status: 'pass' | 'fail' | 'unsupported';
  readonly detail?: string;
}

export interface FaultCase {
  readonly kind: 'fault';
  /** `fault/<kind>/<where>`: `fault/launch/decode`. */
  readonly id: string;
  readonly level: 'fault';
  /** The fault kind (alloc, launch, sync, dma). */
  readonly subject: string;
  readonly dtype: DType;
  readonly composites: CompositeMode;
  /** Provokes the failure on the backend and checks what users rely on afterwards. */
  run(backend: Backend): Promise<FaultOutcome>;
}

export type ConformanceCase = GraphCase | GenerationCase | FaultCase;
