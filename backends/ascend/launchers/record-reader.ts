/**
 * Reading a launch program back into calls: each record's arguments decoded by the kinds of its op's
 * parameters (the mirror of lowerings/aclnn-record.ts), with the position of every address word, so
 * a program's structure (everything but its addresses) can key the executors cached for it.
 */
import { opParams, type ArgKind } from '../acl/op-params.js';
import { ACLNN_CODES, HOST_STEP_PARAMS, HOST_STEPS, type AclnnOp, type HostStep } from '../launch-codes.js';
import type { DecodedArg, DecodedRecord, TensorArg } from './decoded-record.js';
import { writtenRanges, type ByteRange } from './written-ranges.js';

const OP_BY_CODE = new Map<number, AclnnOp>(Object.entries(ACLNN_CODES).map(([op, code]) => [code, op as AclnnOp]));
const STEP_BY_CODE = new Map<number, HostStep>(Object.entries(HOST_STEPS).map(([step, code]) => [code, step as HostStep]));

class Cursor {
  constructor(
    private readonly words: Float64Array,
    public at: number,
    private readonly addresses: number[],
  ) {}

  next(): number {
    return this.words[this.at++]!;
  }

  take(n: number): number[] {
    const out = Array.from(this.words.subarray(this.at, this.at + n));
    this.at += n;
    return out;
  }

  address(): number {
    this.addresses.push(this.at);
    return this.next();
  }

  tensor(): TensorArg {
    const dtype = this.next();
    const rank = this.next();
    const shape = this.take(rank);
    const strides = this.take(rank);
    const offset = this.next();
    const storageElements = this.next();
    return { dtype, shape, strides, offset, storageElements, address: this.address() };
  }

  arg(kind: ArgKind): DecodedArg {
    switch (kind) {
      case 'tensor':
        return this.next() === 0 ? null : this.tensor();
      case 'tensorList':
        return Array.from({ length: this.next() }, () => this.tensor());
      case 'scalar':
        return this.next() === 0 ? null : { dtype: this.next(), scalar: this.next() };
      case 'intArray':
        return this.next() === 0 ? null : this.take(this.next());
      case 'int':
      case 'double':
        return this.next();
      case 'bool':
        return this.next() !== 0;
      case 'string':
        return String.fromCharCode(...this.take(this.next()));
    }
  }
}

/** Kinds of a record's own arguments and of its wrapped op's, by code. */
function kindsOf(code: number): { name: string; own: readonly ArgKind[]; wrapped: readonly ArgKind[] } {
  const op = OP_BY_CODE.get(code);
  if (op) return { name: op, own: opParams(op).map((p) => p.kind), wrapped: [] };
  const step = STEP_BY_CODE.get(code);
  if (!step) throw new Error(`ascend: unknown launch code ${code}`);
  const spec = HOST_STEP_PARAMS[step];
  return { name: step, own: spec.params, wrapped: spec.wraps ? opParams(spec.wraps).map((p) => p.kind) : [] };
}

export interface DecodedProgram {
  readonly records: readonly DecodedRecord[];
  /** The program's words with every address left out: equal for programs of the same plan. */
  readonly signature: string;
  /** The device bytes its records may write (written-ranges.ts). */
  readonly written: readonly ByteRange[];
}

export function decodeProgram(program: Float64Array): DecodedProgram {
  const records: DecodedRecord[] = [];
  const addresses: number[] = [];
  let at = 0;
  while (at < program.length) {
    const code = program[at]!;
    const tag = program[at + 1]!;
    const count = program[at + 2]!;
    const cursor = new Cursor(program, at + 3, addresses);
    const kinds = kindsOf(code);
    const args = kinds.own.map((k) => cursor.arg(k));
    const wrapped = kinds.wrapped.map((k) => cursor.arg(k));
    if (cursor.at !== at + 3 + count) throw new Error(`ascend: record ${records.length} (${kinds.name}) has ${count} words, its arguments ${cursor.at - at - 3}`);
    records.push({ code, tag, name: kinds.name, args, wrapped });
    at += 3 + count;
  }
  return { records, signature: signatureOf(program, addresses), written: records.flatMap(writtenRanges) };
}

function signatureOf(program: Float64Array, addresses: readonly number[]): string {
  const parts: string[] = [];
  let from = 0;
  for (const a of addresses) {
    parts.push(program.subarray(from, a).join(','));
    from = a + 1;
  }
  parts.push(program.subarray(from).join(','));
  return parts.join('|');
}
