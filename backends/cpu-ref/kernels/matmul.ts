import type { RefKernel } from './kernel.js';
import { broadcastShape, broadcastStrides, rounded, sizeOf } from '../ref-tensor.js';

export const matmul: RefKernel = ([a, b], attrs) => {
  const transposeB = attrs['transposeB'] === true;
  const [m, k] = a!.shape.slice(-2) as [number, number];
  const n = transposeB ? b!.shape[b!.shape.length - 2]! : b!.shape[b!.shape.length - 1]!;
  const batch = broadcastShape(a!.shape.slice(0, -2), b!.shape.slice(0, -2));
  const batchCount = sizeOf(batch);
  // Offsets of each broadcast batch entry into a and b, in units of whole matrices.
  const aBatch = broadcastStrides(a!.shape.slice(0, -2), batch);
  const bBatch = broadcastStrides(b!.shape.slice(0, -2), batch);
  const out = new Float64Array(batchCount * m * n);
  const av = a!.values;
  const bv = b!.values;
  const index = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < batchCount; t++) {
    let ai = 0;
    let bi = 0;
    for (let d = 0; d < batch.length; d++) {
      ai += index[d]! * aBatch[d]!;
      bi += index[d]! * bBatch[d]!;
    }
    const aBase = ai * m * k;
    const bBase = bi * k * n;
    const oBase = t * m * n;
    for (let i = 0; i < m; i++) {
      const aRow = aBase + i * k;
      const oRow = oBase + i * n;
      if (transposeB) {
        for (let j = 0; j < n; j++) {
          const bRow = bBase + j * k;
          let sum = 0;
          for (let p = 0; p < k; p++) sum += av[aRow + p]! * bv[bRow + p]!;
          out[oRow + j] = sum;
        }
      } else {
        for (let p = 0; p < k; p++) {
          const x = av[aRow + p]!; // no skip of zeros: 0 · inf must stay NaN
          const bRow = bBase + p * n;
          for (let j = 0; j < n; j++) out[oRow + j] += x * bv[bRow + j]!;
        }
      }
    }
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++index[d]! < batch[d]!) break;
      index[d] = 0;
    }
  }
  return [rounded(a!.dtype, [...batch, m, n], out)];
};
