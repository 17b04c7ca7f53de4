/** The NaN/Inf scan on raw bits (two 16-bit elements a word): every position, every dtype, and finite extremes. */
import { describe, expect, it } from 'vitest';
import { firstNonFinite, nonFiniteWord } from '../../core/models/glm/weights-finite.js';
import { fromFloat64, hostTensor } from '../../core/tensor/host-tensor.js';

describe('firstNonFinite', () => {
  it.each(['f32', 'f16', 'bf16'] as const)('finds NaN, Infinity and -Infinity at every position (%s)', (dtype) => {
    for (let n = 1; n <= 9; n++) {
      for (let p = 0; p < n; p++) {
        for (const [bad, word] of [[Number.NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity']] as const) {
          const values = Array.from({ length: n }, (_, i) => (i % 2 ? -1.5 : 0.25) * (i + 1));
          values[p] = bad;
          const t = fromFloat64(dtype, [n], values);
          expect(firstNonFinite(t), `${dtype} n=${n} p=${p} ${word}`).toBe(p);
          expect(nonFiniteWord(t, p)).toBe(word);
          // Two at once: the first one is reported.
          if (p + 1 < n) {
            values[p + 1] = Number.NaN;
            expect(firstNonFinite(fromFloat64(dtype, [n], values))).toBe(p);
          }
        }
      }
    }
  });

  it('accepts the finite extremes: largest normals, subnormals, zeros of both signs', () => {
    expect(firstNonFinite(fromFloat64('f16', [6], [65504, -65504, 5.960464477539063e-8, -0, 0, 6.1e-5]))).toBe(-1);
    expect(firstNonFinite(fromFloat64('bf16', [4], [3.3895313892515355e38, -3.3895313892515355e38, 1e-40, -0]))).toBe(-1);
    expect(firstNonFinite(fromFloat64('f32', [3], [3.4028234663852886e38, -1.4e-45, 0]))).toBe(-1);
  });

  it('scans a view that starts at an odd 16-bit offset (no aligned words)', () => {
    const backing = new Uint16Array(7);
    const view = backing.subarray(1); // byteOffset 2
    view.set(fromFloat64('f16', [6], [1, 2, 3, 4, Number.NaN, 6]).data as Uint16Array);
    expect(firstNonFinite(hostTensor('f16', [6], view))).toBe(4);
  });

  it('integer tensors are always finite', () => {
    expect(firstNonFinite(hostTensor('i8', [4], Int8Array.from([127, -128, 0, 1])))).toBe(-1);
  });
});
