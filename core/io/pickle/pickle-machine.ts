/**
 * The state of the restricted unpickler's stack machine (restricted-unpickler.ts): the pickle's bytes
 * and read position, the value stack with its marks, and the memo — with every read and pop checked,
 * so a truncated or ill-formed pickle is a GlmError ('input') naming the pickle, never an exception
 * from past the end of a buffer or an empty stack. What each opcode does with them is the opcode
 * table's business, not this class's.
 */
import { GlmError } from '../../errors.js';

export class PickleMachine {
  readonly stack: unknown[] = [];
  /** Stack heights at each MARK not yet consumed, innermost last. */
  readonly marks: number[] = [];
  readonly memo = new Map<number, unknown>();
  private pos = 0;
  private readonly view: DataView;
  private readonly text = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly bytes: Uint8Array,
    /** Names the pickle in errors (the file and entry). */
    private readonly source: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.pos;
  }

  fail(what: string): GlmError {
    return new GlmError('input', `${this.source}: ${what}`);
  }

  // --- reading -------------------------------------------------------------------------------

  private advance(n: number): number {
    const at = this.pos;
    if (at + n > this.bytes.length) throw this.fail(`pickle ends inside an opcode at byte ${at}`);
    this.pos += n;
    return at;
  }
  u8(): number {
    return this.bytes[this.advance(1)]!;
  }
  u16(): number {
    return this.view.getUint16(this.advance(2), true);
  }
  i32(): number {
    return this.view.getInt32(this.advance(4), true);
  }
  u32(): number {
    return this.view.getUint32(this.advance(4), true);
  }
  /** A length of 8 bytes (BINUNICODE8), which cannot exceed the pickle itself. */
  u64(): number {
    const v = this.view.getBigUint64(this.advance(8), true);
    if (v > BigInt(this.bytes.length)) throw this.fail('pickle string length past its end');
    return Number(v);
  }
  /** BINFLOAT's double, the one big-endian field of the format. */
  f64BigEndian(): number {
    return this.view.getFloat64(this.advance(8), false);
  }
  take(n: number): Uint8Array {
    const at = this.advance(n);
    return this.bytes.subarray(at, at + n);
  }
  utf8(n: number): string {
    try {
      return this.text.decode(this.take(n));
    } catch {
      throw this.fail('pickle string is not valid UTF-8');
    }
  }
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw this.fail('GLOBAL without its newline');
    return latin1(this.take(end - this.pos + 1).subarray(0, -1));
  }
  /** Little-endian two's complement integer of n bytes (LONG1/LONG4); must fit a safe integer. */
  long(n: number): number {
    const b = this.take(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw this.fail('pickle integer outside the safe range');
    return Number(v);
  }

  // --- stack ---------------------------------------------------------------------------------

  /** The top value; a MARK is a floor that pop does not go below. */
  pop(): unknown {
    if (this.stack.length === 0 || this.stack.length === this.marks.at(-1)) throw this.fail('pickle stack underflow');
    return this.stack.pop();
  }
  top(): unknown {
    if (this.stack.length === 0) throw this.fail('pickle stack underflow');
    return this.stack.at(-1);
  }
  popN(n: number): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.unshift(this.pop());
    return out;
  }
  /** Everything above the innermost MARK, which is consumed. */
  popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw this.fail('pickle MARK missing');
    return this.stack.splice(mark);
  }
  /** A mutable list at a stack index (tuples are frozen arrays, so they are not lists). */
  listAt(index: number): unknown[] {
    const v = this.stack.at(index);
    if (!Array.isArray(v) || Object.isFrozen(v)) throw this.fail('APPEND to something other than a list');
    return v;
  }
  mapAt(index: number): Map<unknown, unknown> {
    const v = this.stack.at(index);
    if (!(v instanceof Map)) throw this.fail('SETITEM on something other than a dict');
    return v;
  }
  memoized(i: number): unknown {
    if (!this.memo.has(i)) throw this.fail(`pickle memo ${i} is empty`);
    return this.memo.get(i);
  }
  /** A dict key as a Map key: only values a Map compares by value. */
  key(k: unknown): unknown {
    if (typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean' || k === null) return k;
    throw this.fail('dict key is not a string or number');
  }
}

/** Python 2 str and GLOBAL's names: one character per byte. */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}
