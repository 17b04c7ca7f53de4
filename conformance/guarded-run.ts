/**
 * Runs an executable with its outputs poisoned and fenced: every output lives inside a larger
 * buffer whose guard bytes (before and after) and the output itself are filled with a poison
 * pattern first. Afterwards a changed guard byte is an out-of-bounds write, an element still equal
 * to the poison (where the reference differs) was never written, and a changed input is a kernel
 * writing where it must not.
 */
import { byteLengthOf, storageView } from '../core/tensor/dtype.js';
import { elementCount, hostTensor, tensorBytes, type HostTensor } from '../core/tensor/host-tensor.js';
import { downloadTensor, freeTensor, uploadTensor } from '../core/backend-api/device-tensors.js';
import { bindGraphShapes, outputShapes } from '../core/backend-api/graph-shapes.js';
import type { Backend, DeviceTensor, Executable, ExecutionPlan } from '../core/backend-api/plugin-contract.js';

export const GUARD_BYTES = 64;
const FLOAT_POISON = 0xff; // all-ones is NaN in f32, f16 and bf16
const INT_POISON = 0xa5;

export interface GuardedResult {
  readonly outputs: Record<string, HostTensor>;
  /** The poison byte each output was filled with, to tell unwritten elements apart (none for an output bound in place). */
  readonly poison: Record<string, number>;
  /** Guard or input violations, one line each. */
  readonly violations: string[];
  /** Milliseconds of the timed runs (perf mode), empty otherwise. */
  readonly timings: number[];
}

export interface Fence {
  readonly buffer: DeviceTensor['buffer'];
  readonly tensor: DeviceTensor;
  readonly byteLength: number;
}

function fenced(backend: Backend, dtype: HostTensor['dtype'], shape: number[]): Fence {
  const byteLength = byteLengthOf(dtype, elementCount(shape));
  const buffer = backend.memory.allocate(GUARD_BYTES + byteLength + GUARD_BYTES);
  return { buffer, tensor: { buffer, byteOffset: GUARD_BYTES, dtype, shape }, byteLength };
}

/** Graph output `output` bound to the tensor of graph input `input` (the caller donates the input). */
export interface InPlaceBinding {
  readonly input: string;
  readonly output: string;
}

/**
 * `inPlace`: the donated input is uploaded into a fenced buffer and the output bound to it, so the
 * guards still catch writes outside it; it is not poisoned (it holds the input) and not checked for
 * modification, and there are no timed runs (a rerun would start from the updated tensor).
 */
export async function runGuarded(
  backend: Backend,
  plan: ExecutionPlan,
  executable: Executable,
  inputs: Readonly<Record<string, HostTensor>>,
  perfRuns = 0,
  inPlace?: InPlaceBinding,
): Promise<GuardedResult> {
  const graph = plan.graph;
  const dims = bindGraphShapes(graph, Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, t.shape])));
  const shapes = outputShapes(graph, dims);
  const deviceInputs: Record<string, DeviceTensor> = {};
  const fences: Record<string, Fence> = {};
  const poison: Record<string, number> = {};
  const violations: string[] = [];
  const timings: number[] = [];
  let donated: Fence | undefined;
  try {
    for (const [name, t] of Object.entries(inputs)) {
      if (name !== inPlace?.input) {
        deviceInputs[name] = await uploadTensor(backend.memory, t);
        continue;
      }
      donated = fenced(backend, t.dtype, [...t.shape]);
      const bytes = new Uint8Array(donated.buffer.byteLength).fill(poisonOf(t.dtype));
      bytes.set(tensorBytes(t), GUARD_BYTES);
      await backend.memory.write(donated.buffer, 0, bytes);
      deviceInputs[name] = donated.tensor;
    }
    if (inPlace && !donated) throw new Error(`in-place binding names input "${inPlace.input}", which the case does not have`);
    for (const out of graph.outputs) {
      if (out.name === inPlace?.output) {
        fences[out.name] = donated!;
        continue;
      }
      const dtype = graph.values[out.value]!.type.dtype;
      const fence = (fences[out.name] = fenced(backend, dtype, shapes[out.name]!));
      poison[out.name] = poisonOf(dtype);
      await backend.memory.write(fence.buffer, 0, new Uint8Array(fence.buffer.byteLength).fill(poison[out.name]!));
    }
    const outputs = Object.fromEntries(Object.entries(fences).map(([k, f]) => [k, f.tensor]));
    await executable.run({ inputs: deviceInputs, outputs });
    for (let i = 0; i < (inPlace ? 0 : perfRuns); i++) {
      const started = performance.now();
      await executable.run({ inputs: deviceInputs, outputs });
      timings.push(performance.now() - started);
    }

    const results: Record<string, HostTensor> = {};
    for (const [name, fence] of Object.entries(fences)) {
      const all = await backend.memory.read(fence.buffer, 0, fence.buffer.byteLength);
      const before = all.subarray(0, GUARD_BYTES);
      const after = all.subarray(GUARD_BYTES + fence.byteLength);
      const p = poison[name] ?? poisonOf(fence.tensor.dtype);
      const firstBefore = before.findIndex((b) => b !== p);
      if (firstBefore >= 0) violations.push(`wrote outside output "${name}": ${GUARD_BYTES - firstBefore} byte(s) before its start`);
      const firstAfter = after.findIndex((b) => b !== p);
      if (firstAfter >= 0) violations.push(`wrote outside output "${name}": byte ${firstAfter} after its end`);
      const bytes = all.slice(GUARD_BYTES, GUARD_BYTES + fence.byteLength);
      const count = elementCount(fence.tensor.shape);
      results[name] = hostTensor(fence.tensor.dtype, fence.tensor.shape, storageView(fence.tensor.dtype, bytes, count));
    }
    for (const [name, t] of Object.entries(inputs)) {
      if (name === inPlace?.input) continue;
      const after = tensorBytes(await downloadTensor(backend.memory, deviceInputs[name]!));
      const original = tensorBytes(t);
      const changed = after.findIndex((b, i) => b !== original[i]);
      if (changed >= 0) violations.push(`modified its input "${name}" (byte ${changed})`);
    }
    return { outputs: results, poison, violations, timings };
  } finally {
    for (const t of Object.values(deviceInputs)) if (t !== donated?.tensor) freeTensor(backend.memory, t);
    for (const f of Object.values(fences)) if (f !== donated) backend.memory.free(f.buffer);
    if (donated) backend.memory.free(donated.buffer);
  }
}

function poisonOf(dtype: HostTensor['dtype']): number {
  return dtype === 'f32' || dtype === 'f16' || dtype === 'bf16' ? FLOAT_POISON : INT_POISON;
}

/**
 * Indices of elements whose bytes are all still the poison byte — unless the reference's element is
 * that same pattern (a correct value that happens to equal the poison cannot be told apart).
 */
export function unwrittenElements(t: HostTensor, reference: HostTensor, poisonByte: number, limit = 5): number[] {
  const count = elementCount(t.shape);
  const isPoison = elementIsPoison(t, poisonByte);
  const referenceIsPoison = elementIsPoison(reference, poisonByte);
  const found: number[] = [];
  for (let i = 0; i < count && found.length < limit; i++) if (isPoison(i) && !referenceIsPoison(i)) found.push(i);
  return found;
}

function elementIsPoison(t: HostTensor, poisonByte: number): (i: number) => boolean {
  const bytes = tensorBytes(t);
  if (t.dtype === 'i4') return (i) => (i % 2 === 0 ? bytes[i >> 1]! >> 4 : bytes[i >> 1]! & 0x0f) === (poisonByte & 0x0f);
  const width = bytes.length / Math.max(elementCount(t.shape), 1);
  return (i) => {
    for (let b = 0; b < width; b++) if (bytes[i * width + b] !== poisonByte) return false;
    return true;
  };
}
