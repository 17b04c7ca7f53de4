/** Building a one-op conformance case: a graph of a single node, inputs drawn from the case's seed. */
import { GraphBuilder } from '../../core/ir/builder.js';
import type { AttrValue } from '../../core/ir/graph.js';
import type { OpName } from '../../core/ir/ops/op-names.js';
import type { DType } from '../../core/tensor/dtype.js';
import type { HostTensor } from '../../core/tensor/host-tensor.js';
import { getOp } from '../../core/ir/ops/catalogue.js';
import type { CompositeMode, GraphCase } from '../case.js';
import { CaseData, type Distribution } from '../seeded.js';
import { toleranceFor, type ErrorClass, type Tolerance } from '../tolerance.js';

/**
 * A bound widened by `extraEps` output ε per element, for an error the op class does not capture
 * (fp32 rotary angles of large positions, the mean of badly conditioned layer-norm rows). If every
 * element may move by e·ε·max(|ref_i|, rms), then Σd² ≤ (eε)²·Σmax(ref_i², rms²) ≤ 2(eε)²·Σref²,
 * so the nmse bound grows by 2(eε)².
 */
function widened(t: Tolerance, extraEps: number, why: string): Tolerance {
  if (extraEps === 0) return t;
  return { nmse: t.nmse + 2 * (extraEps * t.epsilon) ** 2, worstEps: t.worstEps + extraEps, epsilon: t.epsilon, rationale: `${t.rationale}; + ${extraEps.toFixed(1)} ε for ${why}` };
}

export interface InputSpec {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** How to draw it (default: normal, std 1), or a function making the exact tensor. */
  readonly data?: Distribution | ((d: CaseData) => HostTensor);
}

export interface OpCaseSpec {
  readonly op: OpName;
  readonly dtype: DType;
  /** Distinguishes cases of the same op and dtype: shapes and options, shell-safe. */
  readonly label: string;
  readonly inputs: readonly (InputSpec | null)[];
  readonly attrs?: Record<string, AttrValue>;
  readonly errorClass: ErrorClass;
  /** The outputs' dtype when it is not `dtype` (an f32 result of f16 inputs): the tolerance is in its ε. */
  readonly toleranceDtype?: DType;
  /** For reductions: the number of accumulated terms. */
  readonly reductionLength?: number;
  /** Added to the bounds, in output ε per element (e.g. fp32 rotary angles of large positions). */
  readonly extraWorstEps?: number;
  /** The same, computed from the drawn inputs (conditioning known only once the data exist). */
  readonly extraEpsFromInputs?: (inputs: Readonly<Record<string, HostTensor>>) => number;
  /** What the extra allowance is for, in the tolerance's rationale. */
  readonly extraReason?: string;
  readonly flops?: number;
  /** Also bind the output to the input the op may write in place (`getOp(op).inPlace`); the id ends in /in-place. */
  readonly inPlace?: boolean;
}

/** Composites get two cases: as the backend runs them, and forced through their decomposition. */
export function opCases(spec: OpCaseSpec): GraphCase[] {
  const modes: CompositeMode[] = getOp(spec.op).decompose ? ['as-built', 'decomposed'] : ['as-built'];
  return modes.map((composites) => opCase(spec, composites));
}

function opCase(spec: OpCaseSpec, composites: CompositeMode): GraphCase {
  const baseId = `op/${spec.op}/${spec.dtype}/${spec.label}`;
  const pair = spec.inPlace ? getOp(spec.op).inPlace : undefined;
  if (spec.inPlace && !pair) throw new Error(`${baseId}: op "${spec.op}" declares no in-place input`);
  return {
    kind: 'graph',
    id: `${baseId}${composites === 'decomposed' ? '/decomposed' : ''}${pair ? '/in-place' : ''}`,
    level: 'op',
    subject: spec.op,
    dtype: spec.dtype,
    composites,
    ...(pair ? { inPlace: { input: `in${pair.input}`, output: `out${pair.output}` } } : {}),
    build() {
      const data = new CaseData(baseId); // both modes draw the same inputs
      const b = new GraphBuilder(baseId);
      const inputs: Record<string, HostTensor> = {};
      const values = spec.inputs.map((input, i) => {
        if (input === null) return null;
        const name = `in${i}`;
        inputs[name] = typeof input.data === 'function' ? input.data(data) : data.tensor(input.dtype, input.shape, input.data ?? { kind: 'normal', std: 1 });
        return b.input(name, input.dtype, input.shape);
      });
      const outs = b.op(spec.op, values, spec.attrs ?? {}, spec.op);
      outs.forEach((o, i) => b.output(`out${i}`, o));
      return {
        graph: b.build(),
        inputs,
        tolerance: widened(
          toleranceFor(spec.errorClass, spec.toleranceDtype ?? spec.dtype, spec.reductionLength ?? 1),
          (spec.extraWorstEps ?? 0) + (spec.extraEpsFromInputs?.(inputs) ?? 0),
          spec.extraReason ?? 'fp32 rounding of the inputs to a transcendental',
        ),
        flops: spec.flops ?? 0,
      };
    },
  };
}

export const FLOAT_TYPES: readonly DType[] = ['f32', 'f16', 'bf16'];
export const COPYABLE_TYPES: readonly DType[] = ['f32', 'f16', 'bf16', 'i32', 'i8'];

export function dims(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('x');
}

export function product(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Largest magnitude that still leaves headroom in a dtype (near fp16's 65504 overflow). */
export function nearOverflow(dtype: DType): number {
  return dtype === 'f16' ? 30000 : dtype === 'bf16' ? 1e37 : 1e37;
}
