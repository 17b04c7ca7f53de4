/**
 * A restricted unpickler for the pickles inside PyTorch checkpoints (torch.save writes protocol 2).
 *
 * A pickle is a program: GLOBAL names any Python callable and REDUCE calls it, so loading an
 * untrusted one with Python's pickle runs arbitrary code. This reader is a stack machine that only
 * ever builds plain data — numbers, strings, bytes, lists, tuples, dicts (as Maps) — plus the few
 * objects a checkpoint needs, made by the allow-listed globals of `pickle-globals.ts`. Any other
 * global is refused BY NAME at the GLOBAL opcode, before anything could call it, and nothing is
 * ever executed: there is no eval, no import, no callback into user code.
 *
 * Each opcode this reader knows is one small function in the table below, grouped by what it does;
 * the machine's state and its checked reads and pops are `pickle-machine.ts`. An opcode not in the
 * table is refused with its byte and position.
 */
import { globalFor, isAllowedCallable, type AllowedCallable, type PersistentLoad } from './pickle-globals.js';
import { latin1, PickleMachine } from './pickle-machine.js';

export type PickleValue = unknown;

export interface UnpickleOptions {
  /** Names the pickle in errors (the file and entry). */
  readonly source: string;
  /** BINPERSID: what a persistent id (torch: a storage) stands for. Absent: persistent ids are refused. */
  readonly persistentLoad?: PersistentLoad;
}

/** What one opcode does to the machine, its arguments read from the bytes after it. */
type Handler = (m: PickleMachine, options: UnpickleOptions) => void;
/** Opcodes by their name in Python's pickletools: [byte, handler]. */
type OpcodeGroup = Readonly<Record<string, readonly [number, Handler]>>;

const STOP = 0x2e;

export function unpickle(bytes: Uint8Array, options: UnpickleOptions): PickleValue {
  const m = new PickleMachine(bytes, options.source);
  for (;;) {
    const at = m.position;
    const op = m.u8();
    if (op === STOP) {
      if (m.stack.length !== 1) throw m.fail(`pickle ends with ${m.stack.length} values on the stack`);
      return m.stack[0];
    }
    const handler = HANDLERS[op];
    if (!handler) throw m.fail(`pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at} is not supported`);
    handler(m, options);
  }
}

/** The protocol header and protocol 4's framing, which this reader does not need. */
const PROTOCOL: OpcodeGroup = {
  PROTO: [0x80, (m) => {
    if (m.u8() > 5) throw m.fail('pickle protocol above 5');
  }],
  FRAME: [0x95, (m) => void m.take(8)],
};

/** Constants, numbers, text and bytes, pushed as they are read. */
const LITERALS: OpcodeGroup = {
  NONE: [0x4e, (m) => void m.stack.push(null)],
  NEWTRUE: [0x88, (m) => void m.stack.push(true)],
  NEWFALSE: [0x89, (m) => void m.stack.push(false)],
  BININT1: [0x4b, (m) => void m.stack.push(m.u8())],
  BININT2: [0x4d, (m) => void m.stack.push(m.u16())],
  BININT: [0x4a, (m) => void m.stack.push(m.i32())],
  LONG1: [0x8a, (m) => void m.stack.push(m.long(m.u8()))],
  LONG4: [0x8b, (m) => void m.stack.push(m.long(m.u32()))],
  BINFLOAT: [0x47, (m) => void m.stack.push(m.f64BigEndian())],
  BINUNICODE: [0x58, (m) => void m.stack.push(m.utf8(m.u32()))],
  SHORT_BINUNICODE: [0x8c, (m) => void m.stack.push(m.utf8(m.u8()))],
  BINUNICODE8: [0x8d, (m) => void m.stack.push(m.utf8(m.u64()))],
  // Python 2 str: kept as latin-1 text.
  SHORT_BINSTRING: [0x55, (m) => void m.stack.push(latin1(m.take(m.u8())))],
  BINSTRING: [0x54, (m) => void m.stack.push(latin1(m.take(m.u32())))],
  SHORT_BINBYTES: [0x43, (m) => void m.stack.push(m.take(m.u8()).slice())],
  BINBYTES: [0x42, (m) => void m.stack.push(m.take(m.u32()).slice())],
};

/** The stack itself: marks, dropping and duplicating values. */
const STACK: OpcodeGroup = {
  MARK: [0x28, (m) => void m.marks.push(m.stack.length)],
  POP: [0x30, (m) => void m.pop()],
  POP_MARK: [0x31, (m) => void m.popMark()],
  DUP: [0x32, (m) => void m.stack.push(m.top())],
};

/** The memo: values stored by index for a later GET (shared references in the pickled object). */
const MEMO: OpcodeGroup = {
  BINPUT: [0x71, (m) => void m.memo.set(m.u8(), m.top())],
  LONG_BINPUT: [0x72, (m) => void m.memo.set(m.u32(), m.top())],
  MEMOIZE: [0x94, (m) => void m.memo.set(m.memo.size, m.top())],
  BINGET: [0x68, (m) => void m.stack.push(m.memoized(m.u8()))],
  LONG_BINGET: [0x6a, (m) => void m.stack.push(m.memoized(m.u32()))],
};

/** Tuples (frozen arrays), lists and dicts (Maps): made empty or from the items above a MARK, then filled. */
const CONTAINERS: OpcodeGroup = {
  EMPTY_TUPLE: [0x29, (m) => void m.stack.push(Object.freeze([]))],
  TUPLE1: [0x85, (m) => void m.stack.push(Object.freeze(m.popN(1)))],
  TUPLE2: [0x86, (m) => void m.stack.push(Object.freeze(m.popN(2)))],
  TUPLE3: [0x87, (m) => void m.stack.push(Object.freeze(m.popN(3)))],
  TUPLE: [0x74, (m) => void m.stack.push(Object.freeze(m.popMark()))],
  EMPTY_LIST: [0x5d, (m) => void m.stack.push([])],
  LIST: [0x6c, (m) => void m.stack.push(m.popMark())],
  EMPTY_DICT: [0x7d, (m) => void m.stack.push(new Map())],
  DICT: [0x64, (m) => void m.stack.push(pairsToMap(m.popMark(), m))],
  APPEND: [0x61, (m) => void m.listAt(-2).push(m.stack.pop())],
  APPENDS: [0x65, appends],
  SETITEM: [0x73, setItem],
  SETITEMS: [0x75, setItems],
};

function appends(m: PickleMachine): void {
  const items = m.popMark();
  m.listAt(-1).push(...items);
}

function setItem(m: PickleMachine): void {
  const value = m.stack.pop();
  const key = m.stack.pop();
  m.mapAt(-1).set(m.key(key), value);
}

function setItems(m: PickleMachine): void {
  const items = m.popMark();
  const map = m.mapAt(-1);
  for (const [k, v] of pairsToMap(items, m)) map.set(k, v);
}

/** key, value, key, value … as a Map (an odd last item is dropped, as before). */
function pairsToMap(items: unknown[], m: PickleMachine): Map<unknown, unknown> {
  const map = new Map<unknown, unknown>();
  for (let i = 0; i + 1 < items.length; i += 2) map.set(m.key(items[i]), items[i + 1]);
  return map;
}

/**
 * Globals and the opcodes that call them. GLOBAL is where a pickle reaches for code: a name not on
 * the allow-list is refused right there, by name, so REDUCE and NEWOBJ can only ever find an
 * allow-listed callable on the stack.
 */
const GLOBALS: OpcodeGroup = {
  GLOBAL: [0x63, globalByLines],
  STACK_GLOBAL: [0x93, globalFromStack],
  REDUCE: [0x52, callOnStack],
  // NEWOBJ: cls.__new__(cls, *args), for allow-listed classes only.
  NEWOBJ: [0x81, callOnStack],
  BUILD: [0x62, build],
};

/** GLOBAL "module\nname\n". */
function globalByLines(m: PickleMachine): void {
  const module = m.line();
  m.stack.push(allowedGlobal(m, module, m.line()));
}

function globalFromStack(m: PickleMachine): void {
  const name = m.pop();
  const module = m.pop();
  if (typeof module !== 'string' || typeof name !== 'string') throw m.fail('STACK_GLOBAL needs two strings');
  m.stack.push(allowedGlobal(m, module, name));
}

function allowedGlobal(m: PickleMachine, module: string, name: string): AllowedCallable {
  const found = globalFor(module, name);
  if (!found) {
    throw m.fail(`pickle global "${module}.${name}" is not allowed: a checkpoint may only build tensors, dicts and lists (refused without running anything)`);
  }
  return found;
}

/** REDUCE and NEWOBJ: callable, args → the allow-listed builder's inert value. */
function callOnStack(m: PickleMachine): void {
  const args = m.pop();
  const callable = m.pop();
  if (!isAllowedCallable(callable)) throw m.fail('REDUCE/NEWOBJ on a value that is not an allow-listed global');
  if (!Array.isArray(args)) throw m.fail(`arguments of ${callable.qualifiedName} are not a tuple`);
  m.stack.push(callable.build(args, (what) => m.fail(`${callable.qualifiedName}: ${what}`)));
}

/** BUILD: state for an object; only dicts (OrderedDict's _metadata) accept it, and ignore it. */
function build(m: PickleMachine): void {
  m.pop();
  if (!(m.top() instanceof Map)) throw m.fail('BUILD on something other than a dict is refused');
}

/** Persistent ids: what torch.save writes for a storage, resolved by the caller (torch-file.ts). */
const PERSISTENT_IDS: OpcodeGroup = {
  BINPERSID: [0x51, binPersId],
};

function binPersId(m: PickleMachine, options: UnpickleOptions): void {
  const pid = m.pop();
  if (!options.persistentLoad) throw m.fail('persistent ids are not allowed in this pickle');
  m.stack.push(options.persistentLoad(pid));
}

/** Every group's handlers indexed by opcode byte; undefined: not an opcode this reader knows. */
const HANDLERS: readonly (Handler | undefined)[] = (() => {
  const table = new Array<Handler | undefined>(256).fill(undefined);
  for (const group of [PROTOCOL, LITERALS, STACK, MEMO, CONTAINERS, GLOBALS, PERSISTENT_IDS]) {
    for (const [code, handler] of Object.values(group)) table[code] = handler;
  }
  return table;
})();
