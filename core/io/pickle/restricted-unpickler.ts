/**
 * A restricted unpickler for the pickles inside PyTorch checkpoints (torch.save writes protocol 2).
 *
 * A pickle is a program: GLOBAL names any Python callable and REDUCE calls it, so loading an
 * untrusted one with Python's pickle runs arbitrary code. This reader is a stack machine that only
 * ever builds plain data — numbers, strings, bytes, lists, tuples, dicts (as Maps) — plus the few
 * objects a checkpoint needs, made by the allow-listed globals of `pickle-globals.ts`. Any other
 * global is refused BY NAME at the GLOBAL opcode, before anything could call it, and nothing is
 * ever executed: there is no eval, no import, no callback into user code.
 */
import { GlmError } from '../../errors.js';
import { globalFor, isAllowedCallable, type AllowedCallable, type PersistentLoad } from './pickle-globals.js';

export type PickleValue = unknown;


export interface UnpickleOptions {
  /** Names the pickle in errors (the file and entry). */
  readonly source: string;
  /** BINPERSID: what a persistent id (torch: a storage) stands for. Absent: persistent ids are refused. */
  readonly persistentLoad?: PersistentLoad;
}

export function unpickle(bytes: Uint8Array, options: UnpickleOptions): PickleValue {
  return new Machine(bytes, options).run();
}

class Machine {
  private pos = 0;
  private stack: unknown[] = [];
  private marks: number[] = [];
  private memo = new Map<number, unknown>();
  private readonly view: DataView;
  private readonly text = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: UnpickleOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private fail(what: string): GlmError {
    return new GlmError('input', `${this.options.source}: ${what}`);
  }

  run(): PickleValue {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      if (op === 0x2e) {
        // STOP
        if (this.stack.length !== 1) throw this.fail(`pickle ends with ${this.stack.length} values on the stack`);
        return this.stack[0];
      }
      if (!this.step(op)) throw this.fail(`pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at} is not supported`);
    }
  }

  /** One opcode; false when it is not one this reader knows. */
  private step(op: number): boolean {
    const s = this.stack;
    switch (op) {
      case 0x80: // PROTO
        if (this.u8() > 5) throw this.fail('pickle protocol above 5');
        return true;
      case 0x95: // FRAME (protocol 4): a length we do not need
        this.take(8);
        return true;
      case 0x28: // MARK
        this.marks.push(s.length);
        return true;
      case 0x4e: // NONE
        return s.push(null), true;
      case 0x88: // NEWTRUE
        return s.push(true), true;
      case 0x89: // NEWFALSE
        return s.push(false), true;
      case 0x4b: // BININT1
        return s.push(this.u8()), true;
      case 0x4d: // BININT2
        return s.push(this.view.getUint16(this.advance(2), true)), true;
      case 0x4a: // BININT
        return s.push(this.view.getInt32(this.advance(4), true)), true;
      case 0x8a: // LONG1
        return s.push(this.long(this.u8())), true;
      case 0x8b: // LONG4
        return s.push(this.long(this.view.getUint32(this.advance(4), true))), true;
      case 0x47: // BINFLOAT (big-endian)
        return s.push(this.view.getFloat64(this.advance(8), false)), true;
      case 0x58: // BINUNICODE
        return s.push(this.utf8(this.view.getUint32(this.advance(4), true))), true;
      case 0x8c: // SHORT_BINUNICODE
        return s.push(this.utf8(this.u8())), true;
      case 0x8d: // BINUNICODE8
        return s.push(this.utf8(this.u64())), true;
      case 0x55: // SHORT_BINSTRING (Python 2 str: kept as latin-1 text)
        return s.push(latin1(this.take(this.u8()))), true;
      case 0x54: // BINSTRING
        return s.push(latin1(this.take(this.view.getUint32(this.advance(4), true)))), true;
      case 0x43: // SHORT_BINBYTES
        return s.push(this.take(this.u8()).slice()), true;
      case 0x42: // BINBYTES
        return s.push(this.take(this.view.getUint32(this.advance(4), true)).slice()), true;
      case 0x29: // EMPTY_TUPLE
        return s.push(Object.freeze([])), true;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: // TUPLE3
        return s.push(Object.freeze(this.popN(op - 0x84))), true;
      case 0x74: // TUPLE
        return s.push(Object.freeze(this.popMark())), true;
      case 0x5d: // EMPTY_LIST
        return s.push([]), true;
      case 0x6c: // LIST
        return s.push(this.popMark()), true;
      case 0x7d: // EMPTY_DICT
        return s.push(new Map()), true;
      case 0x64: // DICT
        return s.push(pairsToMap(this.popMark(), this)), true;
      case 0x61: // APPEND
        this.listAt(-2).push(s.pop());
        return true;
      case 0x65: {
        // APPENDS
        const items = this.popMark();
        this.listAt(-1).push(...items);
        return true;
      }
      case 0x73: {
        // SETITEM
        const value = s.pop();
        const key = s.pop();
        this.mapAt(-1).set(this.key(key), value);
        return true;
      }
      case 0x75: {
        // SETITEMS
        const items = this.popMark();
        const map = this.mapAt(-1);
        for (const [k, v] of pairsToMap(items, this)) map.set(k, v);
        return true;
      }
      case 0x71: // BINPUT
        return this.memo.set(this.u8(), this.top()), true;
      case 0x72: // LONG_BINPUT
        return this.memo.set(this.view.getUint32(this.advance(4), true), this.top()), true;
      case 0x94: // MEMOIZE
        return this.memo.set(this.memo.size, this.top()), true;
      case 0x68: // BINGET
        return s.push(this.get(this.u8())), true;
      case 0x6a: // LONG_BINGET
        return s.push(this.get(this.view.getUint32(this.advance(4), true))), true;
      case 0x30: // POP
        return this.pop(), true;
      case 0x31: // POP_MARK
        return this.popMark(), true;
      case 0x32: // DUP
        return s.push(this.top()), true;
      case 0x63: {
        // GLOBAL "module\nname\n": refused here, by name, unless allow-listed
        const module = this.line();
        return s.push(this.global(module, this.line())), true;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = this.pop();
        const module = this.pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw this.fail('STACK_GLOBAL needs two strings');
        return s.push(this.global(module, name)), true;
      }
      case 0x52: {
        // REDUCE: only an allow-listed callable can be on the stack, so only it can be called
        const args = this.pop();
        const callable = this.pop();
        return s.push(this.call(callable, args)), true;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args), for allow-listed classes only
        const args = this.pop();
        const cls = this.pop();
        return s.push(this.call(cls, args)), true;
      }
      case 0x62: {
        // BUILD: state for an object; only dicts (OrderedDict's _metadata) accept it, and ignore it
        const state = this.pop();
        const target = this.top();
        if (!(target instanceof Map)) throw this.fail('BUILD on something other than a dict is refused');
        void state;
        return true;
      }
      case 0x51: {
        // BINPERSID
        const pid = this.pop();
        if (!this.options.persistentLoad) throw this.fail('persistent ids are not allowed in this pickle');
        return s.push(this.options.persistentLoad(pid)), true;
      }
      default:
        return false;
    }
  }

  private global(module: string, name: string): AllowedCallable {
    const found = globalFor(module, name);
    if (!found) {
      throw this.fail(`pickle global "${module}.${name}" is not allowed: a checkpoint may only build tensors, dicts and lists (refused without running anything)`);
    }
    return found;
  }

  private call(callable: unknown, args: unknown): unknown {
    if (!isAllowedCallable(callable)) throw this.fail('REDUCE/NEWOBJ on a value that is not an allow-listed global');
    if (!Array.isArray(args)) throw this.fail(`arguments of ${callable.qualifiedName} are not a tuple`);
    return callable.build(args, (what) => this.fail(`${callable.qualifiedName}: ${what}`));
  }

  // --- reading -------------------------------------------------------------------------------

  private advance(n: number): number {
    const at = this.pos;
    if (at + n > this.bytes.length) throw this.fail(`pickle ends inside an opcode at byte ${at}`);
    this.pos += n;
    return at;
  }
  private u8(): number {
    return this.bytes[this.advance(1)]!;
  }
  private u64(): number {
    const v = this.view.getBigUint64(this.advance(8), true);
    if (v > BigInt(this.bytes.length)) throw this.fail('pickle string length past its end');
    return Number(v);
  }
  private take(n: number): Uint8Array {
    const at = this.advance(n);
    return this.bytes.subarray(at, at + n);
  }
  private utf8(n: number): string {
    try {
      return this.text.decode(this.take(n));
    } catch {
      throw this.fail('pickle string is not valid UTF-8');
    }
  }
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw this.fail('GLOBAL without its newline');
    return latin1(this.take(end - this.pos + 1).subarray(0, -1));
  }
  /** Little-endian two's complement integer of n bytes (LONG1/LONG4); must fit a safe integer. */
  private long(n: number): number {
    const b = this.take(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw this.fail('pickle integer outside the safe range');
    return Number(v);
  }

  // --- stack ---------------------------------------------------------------------------------

  private pop(): unknown {
    if (this.stack.length === 0 || this.stack.length === this.marks.at(-1)) throw this.fail('pickle stack underflow');
    return this.stack.pop();
  }
  private top(): unknown {
    if (this.stack.length === 0) throw this.fail('pickle stack underflow');
    return this.stack.at(-1);
  }
  private popN(n: number): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.unshift(this.pop());
    return out;
  }
  private popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw this.fail('pickle MARK missing');
    return this.stack.splice(mark);
  }
  private listAt(index: number): unknown[] {
    const v = this.stack.at(index);
    if (!Array.isArray(v) || Object.isFrozen(v)) throw this.fail('APPEND to something other than a list');
    return v;
  }
  private mapAt(index: number): Map<unknown, unknown> {
    const v = this.stack.at(index);
    if (!(v instanceof Map)) throw this.fail('SETITEM on something other than a dict');
    return v;
  }
  private get(i: number): unknown {
    if (!this.memo.has(i)) throw this.fail(`pickle memo ${i} is empty`);
    return this.memo.get(i);
  }
  key(k: unknown): unknown {
    if (typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean' || k === null) return k;
    throw this.fail('dict key is not a string or number');
  }
}

function pairsToMap(items: unknown[], m: { key(k: unknown): unknown }): Map<unknown, unknown> {
  const map = new Map<unknown, unknown>();
  for (let i = 0; i + 1 < items.length; i += 2) map.set(m.key(items[i]), items[i + 1]);
  return map;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}
