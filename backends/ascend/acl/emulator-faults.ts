/**
 * The Ascend emulator's fault-injection switch (GLM_FAULT; backends/ascend/emulator/core/fault.cpp),
 * bound from libascend_emulator_core.so — not part of CANN's ABI, so only when the libraries are the
 * emulator's. On real CANN there is no switch and this returns undefined.
 */
import koffi from 'koffi';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AclLibrarySet } from './discovery.js';

/** The counter's kinds, in the emulator's order (fault_injection.h's Kind). */
const KINDS = ['alloc', 'launch', 'sync', 'dma'] as const;

export interface EmulatorFaults {
  setFault(kind: string, n: number): void;
  faultCounts(): Record<string, number>;
  readonly faultKinds: { readonly kinds: readonly string[]; readonly absent: Readonly<Record<string, string>> };
}

export function bindEmulatorFaults(set: AclLibrarySet): EmulatorFaults | undefined {
  const file = join(set.dir, 'libascend_emulator_core.so');
  if (set.source !== 'emulator' || !existsSync(file)) return undefined;
  let lib;
  let setFault: (kind: number, n: number) => void;
  let counts: (out: BigInt64Array) => void;
  let supported: (kind: number) => number;
  try {
    lib = koffi.load(file);
    setFault = lib.func('void glmEmuSetFault(int kind, int64_t n)') as typeof setFault;
    counts = lib.func('void glmEmuFaultCounts(_Out_ int64_t *out)') as typeof counts;
    supported = lib.func('int glmEmuFaultSupported(int kind)') as typeof supported;
  } catch {
    return undefined; // an emulator built before fault injection: no switch
  }
  const kinds = KINDS.filter((_, i) => supported(i) === 1);
  return {
    setFault(kind, n) {
      const index = KINDS.indexOf(kind as (typeof KINDS)[number]);
      if (index < 0) throw new Error(`ascend emulator: unknown fault kind "${kind}"`);
      setFault(index, n);
    },
    faultCounts() {
      const out = new BigInt64Array(KINDS.length);
      counts(out);
      return Object.fromEntries(KINDS.map((k, i) => [k, Number(out[i])]));
    },
    faultKinds: {
      kinds,
      absent: Object.fromEntries(KINDS.filter((k) => !kinds.includes(k)).map((k) => [k, `no ${k} events in the emulated ACL runtime (copies are aclrtMemcpy calls)`])),
    },
  };
}
