/**
 * The device bytes a record may write: its ops' output tensors and in-place operands (…Ref), and
 * what its host step writes. A value a host step reads back from bytes no record of the program
 * writes (a graph input: contextLengths, a cache offset or length) cannot change during a run, so
 * the device reads it once per run, not once per layer.
 */
import { opParams, type OpParam } from '../acl/op-params.js';
import { ACL_OPS } from '../acl/abi.js';
import { ACL_ELEMENT_BYTES, HOST_STEP_PARAMS, type HostStep } from '../launch-codes.js';
import type { DecodedArg, DecodedRecord, TensorArg } from './decoded-record.js';

export type ByteRange = readonly [number, number];

/** Bytes from the view's first element to one past its last (the storage base plus the offset). */
export function bytesOf(t: TensorArg, extraElements = 0): ByteRange {
  const es = ACL_ELEMENT_BYTES[t.dtype] ?? 8;
  const last = t.shape.some((d) => d === 0) ? -1 : t.shape.reduce((end, d, i) => end + (d - 1) * t.strides[i]!, 0);
  return [t.address + t.offset * es, t.address + Math.ceil((t.offset + last + 1 + extraElements) * es)];
}

/** Which of an op's parameters it writes: its trailing outputs and its in-place operands. */
function writtenParams(op: string): ReadonlySet<number> {
  const params = opParams(op);
  const outputs = ACL_OPS.find((o) => o.op === op)!.outputs;
  const tensors = params.map((p, i) => [p, i] as [OpParam, number]).filter(([p]) => p.kind === 'tensor' || p.kind === 'tensorList');
  const written = new Set(tensors.slice(tensors.length - outputs).map(([, i]) => i));
  params.forEach((p, i) => p.name.endsWith('Ref') && written.add(i));
  return written;
}

function rangesOf(args: readonly DecodedArg[], indices: Iterable<number>): ByteRange[] {
  return [...indices].flatMap((i) => {
    const a = args[i];
    if (a === null || typeof a !== 'object' || !('address' in a)) return [];
    return [bytesOf(a)];
  });
}

/** Host steps' own written arguments (the wrapped op's are its outputs). */
const HOST_STEP_WRITES: Readonly<Record<HostStep, readonly number[]>> = {
  glmMask: [4],
  cacheWriteAt: [],
  rotaryTable: [1, 2],
  flashAttentionGlm: [],
  allReduce: [1],
};

export function writtenRanges(record: DecodedRecord): ByteRange[] {
  const step = record.name as HostStep;
  if (!(step in HOST_STEP_PARAMS)) return rangesOf(record.args, writtenParams(record.name));
  const ranges = rangesOf(record.args, HOST_STEP_WRITES[step]);
  const wrapped = HOST_STEP_PARAMS[step].wraps;
  if (!wrapped) return ranges;
  if (step === 'cacheWriteAt') {
    // The cache view moves by offset · stride, up to the limit: its whole reach may be written.
    const [, stride, limit] = record.args as [TensorArg, number, number];
    return [...ranges, bytesOf(record.wrapped[0] as TensorArg, stride * limit)];
  }
  return [...ranges, ...rangesOf(record.wrapped, writtenParams(wrapped))];
}

export function overlapsAny(range: ByteRange, ranges: readonly ByteRange[]): boolean {
  return ranges.some(([start, end]) => range[0] < end && start < range[1]);
}
