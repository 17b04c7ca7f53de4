import { describe, expect, it } from 'vitest';
import { OP_CATALOGUE, OP_DEFINITIONS } from '../../core/ir/ops/catalogue.js';
import { OP_NAMES, isOpName } from '../../core/ir/ops/op-names.js';
import { REFERENCE_KERNELS } from '../../backends/cpu-ref/kernels/index.js';

describe('one op catalogue, typed by OP_NAMES', () => {
  it('files each definition under its own name', () => {
    const misfiled = OP_NAMES.filter((name) => OP_DEFINITIONS[name].name !== name);
    expect(misfiled).toEqual([]);
  });

  it('has exactly the names of OP_NAMES, each once', () => {
    expect(new Set(OP_NAMES).size).toBe(OP_NAMES.length);
    expect([...OP_CATALOGUE.keys()]).toEqual([...OP_NAMES]);
    expect(Object.keys(OP_DEFINITIONS).sort()).toEqual([...OP_NAMES].sort());
  });

  it('gives cpu-ref one kernel per op and nothing else', () => {
    expect(Object.keys(REFERENCE_KERNELS).sort()).toEqual([...OP_NAMES].sort());
  });

  it('narrows names read from outside', () => {
    expect(isOpName('layer-norm')).toBe(true);
    expect(isOpName('layernorm')).toBe(false);
  });
});
