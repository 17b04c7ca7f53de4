/**
 * An addon's fault-injection switch (setFault/faultCounts/faultKinds, exported by emulated builds only)
 * as the backend's `faults` (core/backend-api/fault-injection.ts). A hardware build has no switch, so
 * its backend has no `faults`.
 */
import { FAULT_KINDS, GlmError, type FaultInjection, type FaultKind } from '../../core/backend-api/plugin-api.js';
import type { ProgramAddon } from './native-addon.js';

export function faultSwitchOf(native: ProgramAddon, backend: string): FaultInjection | undefined {
  const { setFault, faultCounts, faultKinds } = native;
  if (!setFault || !faultCounts || !faultKinds) return undefined;
  const kinds = FAULT_KINDS.filter((k) => faultKinds.kinds.includes(k));
  const absent: Partial<Record<FaultKind, string>> = {};
  for (const k of FAULT_KINDS) if (!kinds.includes(k)) absent[k] = faultKinds.absent[k] ?? `${backend} has no ${k} events`;
  return {
    kinds,
    absent,
    arm(kind, n) {
      if (!Number.isSafeInteger(n) || n < 0) throw new GlmError('usage', `${backend}: a fault is armed for the nth event, n >= 0 (got ${n})`);
      setFault.call(native, kind, n);
    },
    counts() {
      const raw = faultCounts.call(native);
      return { alloc: raw['alloc'] ?? 0, launch: raw['launch'] ?? 0, sync: raw['sync'] ?? 0, dma: raw['dma'] ?? 0 };
    },
  };
}
