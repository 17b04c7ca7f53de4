/**
 * Where every value lives while one graph is planned: the storages (bound tensors and arena slots,
 * numbered in the order they are made), each value's location, and the homes of graph outputs.
 */
import { packArena } from '../arena.js';
import { rowMajorStrides, type Loc, type Storage } from '../locations.js';
import type { GraphFacts } from './graph-facts.js';

/** Alignment in bytes of a bound tensor, from its address. */
export type BoundAlignment = (role: 'input' | 'output', name: string) => number;

export class PlanState {
  /** Each value's location once known. */
  readonly locs: (Loc | undefined)[];
  /** The arena slots, in the order made. */
  private readonly slots: Storage[] = [];
  private nextId = 0;
  private readonly inputStorage = new Map<string, Storage>();
  private readonly outputHomes = new Map<string, Storage>();

  constructor(
    readonly facts: GraphFacts,
    private readonly boundAlign: BoundAlignment,
    /** Output name → the input whose tensor the caller bound it to (donation.ts checked it). */
    private readonly donations: ReadonlyMap<string, string>,
  ) {
    const { graph } = facts;
    this.locs = graph.values.map(() => undefined);
    for (const id of [...graph.inputs, ...graph.params]) {
      const name = graph.values[id]!.name;
      this.locs[id] = this.contiguousLoc(this.bound('input', name, facts.bytesOf(id)), id);
    }
    for (const id of [...graph.inputs, ...graph.params]) this.inputStorage.set(graph.values[id]!.name, this.locs[id]!.storage);
  }

  /** A new arena slot of `bytes`, used from step `first` to `last`. */
  slot(bytes: number, first: number, last = first): Storage {
    const s: Storage = { id: this.nextId++, bytes, kind: 'arena', align: 256, first, last, offset: 0 };
    this.slots.push(s);
    return s;
  }

  private bound(role: 'input' | 'output', name: string, bytes: number): Storage {
    return { id: this.nextId++, bytes, kind: 'bound', binding: { role, name }, align: this.boundAlign(role, name), first: 0, last: 0, offset: 0 };
  }

  /** Value `id` laid out row-major from the start of `storage`. */
  contiguousLoc(storage: Storage, id: number): Loc {
    const shape = this.facts.shapes[id]!;
    return { storage, elemOffset: 0, dtype: this.facts.graph.values[id]!.type.dtype, shape, strides: rowMajorStrides(shape) };
  }

  /** The storage of graph output `name` (value `id`): its bound tensor, or the input donated to it. */
  homeOf(name: string, id: number): Storage {
    let s = this.outputHomes.get(name);
    if (!s) {
      const donor = this.donations.get(name);
      s = donor === undefined ? this.bound('output', name, this.facts.bytesOf(id)) : this.inputStorage.get(donor)!;
      this.outputHomes.set(name, s);
    }
    return s;
  }

  /** Value `id` at its home when it is a graph output, else in a new slot of step `step`. */
  homeOrSlot(id: number, step: number): Loc {
    const names = this.facts.outputNames[id]!;
    const storage = names.length > 0 ? this.homeOf(names[0]!, id) : this.slot(this.facts.bytesOf(id), step);
    return this.contiguousLoc(storage, id);
  }

  /** Step `step` uses `loc`: an arena slot's lifetime grows to include it. */
  touch(loc: Loc, step: number): void {
    const s = loc.storage;
    if (s.kind !== 'arena') return;
    s.first = Math.min(s.first, step);
    s.last = Math.max(s.last, step);
  }

  /** Slots made before the records start "unused" until a step touches them. */
  startRecords(): void {
    for (const s of this.slots) {
      s.first = Number.POSITIVE_INFINITY;
      s.last = Number.NEGATIVE_INFINITY;
    }
  }

  /** Packs the slots that some step used; returns the arena's size in bytes. */
  packArena(): number {
    return packArena(this.slots.filter((s) => s.first !== Number.POSITIVE_INFINITY));
  }
}
