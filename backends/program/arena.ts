/**
 * Packs the plan's intermediate slots into one device arena: slots whose step ranges
 * [first, last] overlap never share bytes (a step's outputs never alias its inputs), the rest reuse
 * memory. First-fit over the slots live at each slot's first step, in order of first use.
 */
import type { Storage } from './locations.js';

const ALIGN = 256;

export function alignUp(n: number, to = ALIGN): number {
  return Math.ceil(n / to) * to;
}

/** Assigns `offset` to every slot; returns the arena's size in bytes. */
export function packArena(slots: readonly Storage[]): number {
  const order = [...slots].filter((s) => s.bytes > 0).sort((a, b) => a.first - b.first || b.bytes - a.bytes);
  const live: Storage[] = []; // sorted by offset
  let size = 0;
  for (const slot of order) {
    for (let i = live.length - 1; i >= 0; i--) if (live[i]!.last < slot.first) live.splice(i, 1);
    const need = alignUp(slot.bytes);
    let offset = 0;
    let at = 0;
    for (; at < live.length; at++) {
      const other = live[at]!;
      if (other.offset - offset >= need) break;
      offset = Math.max(offset, other.offset + alignUp(other.bytes));
    }
    slot.offset = offset;
    live.splice(at, 0, slot);
    live.sort((a, b) => a.offset - b.offset);
    size = Math.max(size, offset + need);
  }
  for (const s of slots) if (s.bytes === 0) s.offset = 0;
  return size;
}
