/**
 * Merging the model-parallel parts of one tensor (layouts.ts says which rule applies): shapes first,
 * from the headers alone, then the data. All on raw storage bytes, so no dtype is decoded.
 */
import { GlmError } from '../../../errors.js';
import { allocateStorage } from '../../../tensor/dtype.js';
import { elementCount, hostTensor, tensorBytes, type HostTensor } from '../../../tensor/host-tensor.js';
import type { PartsMerge } from './layouts.js';

export function mergedShape(rule: PartsMerge, shapes: readonly (readonly number[])[], where: string): number[] {
  const first = shapes[0]!;
  const fail = (why: string) => new GlmError('input', `${where}: ${why} (parts: ${shapes.map((s) => `[${s}]`).join(', ')})`);
  if (!shapes.every((s) => s.length === first.length)) throw fail('the model-parallel parts differ in rank');
  if (rule === 'replicated') {
    if (!shapes.every((s) => s.every((d, i) => d === first[i]))) throw fail('replicated parts differ in shape');
    return [...first];
  }
  const axis = rule === 'columns' ? 1 : 0;
  if (first.length <= axis) throw fail(`cannot merge along dimension ${axis}`);
  if (!shapes.every((s) => s.every((d, i) => i === axis || d === first[i]))) throw fail(`parts differ outside dimension ${axis}`);
  if (rule === 'glu-rows' && !shapes.every((s) => s[0]! % 2 === 0)) throw fail('a GeGLU part has an odd number of rows, so it cannot hold two halves');
  const out = [...first];
  out[axis] = shapes.reduce((n, s) => n + s[axis]!, 0);
  return out;
}

export function mergeParts(rule: PartsMerge, parts: readonly HostTensor[], where: string): HostTensor {
  const dtype = parts[0]!.dtype;
  if (!parts.every((p) => p.dtype === dtype)) throw new GlmError('input', `${where}: model-parallel parts have different dtypes (${parts.map((p) => p.dtype).join(', ')})`);
  const shape = mergedShape(rule, parts.map((p) => p.shape), where);
  if (parts.length === 1) return parts[0]!;
  if (rule === 'replicated') {
    const a = tensorBytes(parts[0]!);
    parts.forEach((p, r) => {
      if (!Buffer.from(tensorBytes(p)).equals(Buffer.from(a))) throw new GlmError('input', `${where}: replicated tensor differs between rank 0 and rank ${r}`);
    });
    return parts[0]!;
  }
  const storage = allocateStorage(dtype, elementCount(shape));
  const out = new Uint8Array(storage.buffer, storage.byteOffset, storage.byteLength);
  const rowBytes = (t: HostTensor) => t.data.byteLength / t.shape[0]!;
  let offset = 0;
  const put = (bytes: Uint8Array) => (out.set(bytes, offset), (offset += bytes.length));
  if (rule === 'rows') for (const p of parts) put(tensorBytes(p));
  if (rule === 'glu-rows') {
    // All first halves (the gate x1) in rank order, then all second halves (x2, through GeLU).
    for (const half of [0, 1]) {
      for (const p of parts) {
        const bytes = tensorBytes(p);
        put(bytes.subarray((half * bytes.length) / 2, ((half + 1) * bytes.length) / 2));
      }
    }
  }
  if (rule === 'columns') {
    for (let row = 0; row < shape[0]!; row++) {
      for (const p of parts) put(tensorBytes(p).subarray(row * rowBytes(p), (row + 1) * rowBytes(p)));
    }
  }
  return hostTensor(dtype, shape, storage);
}
