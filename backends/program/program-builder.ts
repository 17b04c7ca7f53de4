/**
 * Collects launch records whose pointers are still symbolic (storage + offset), then resolves
 * them into the Float64Array the addon runs once the arena and the bound tensors have addresses.
 * A plan is built once per set of shapes and resolved on every run.
 */
import type { Ptr, Storage } from './locations.js';

export type Word = number | Ptr | null;

export interface PlannedRecord {
  readonly op: number;
  /** Plan step (graph node index) the record belongs to: errors name that node. */
  readonly tag: number;
  readonly args: readonly Word[];
}

export class ProgramBuilder {
  readonly records: PlannedRecord[] = [];
  private step = -1;

  at(step: number): void {
    this.step = step;
  }

  emit(op: number, args: readonly Word[]): void {
    this.records.push({ op, tag: this.step, args });
  }

  /** Resolve every pointer: bound storages by value id, arena slots from the arena's base. */
  static resolve(records: readonly PlannedRecord[], boundAddress: (s: Storage) => number, arenaBase: number): Float64Array {
    let length = 0;
    for (const r of records) length += 3 + r.args.length;
    const out = new Float64Array(length);
    let i = 0;
    for (const r of records) {
      out[i++] = r.op;
      out[i++] = r.tag;
      out[i++] = r.args.length;
      for (const a of r.args) {
        if (a === null) out[i++] = 0;
        else if (typeof a === 'number') out[i++] = a;
        else out[i++] = (a.storage.kind === 'arena' ? arenaBase + a.storage.offset : boundAddress(a.storage)) + a.byteOffset;
      }
    }
    return out;
  }
}
