/**
 * Pickle read time of the committed torch.save fixtures (tests/fixtures/checkpoints): each file's
 * data.pkl is taken out of its zip once, then only the restricted unpickler is timed, so the number
 * is the opcode loop's own cost, not zip or file reading. A second module (`--against FILE.js`, an
 * unpickler exporting `unpickle`, e.g. an earlier build's) is timed in the same process, the two
 * interleaved round by round, so a before/after comparison shares one machine state.
 *
 *   node dist/bench/pickle-read.js [--rounds N] [--reps N] [--against FILE.js]
 * Output: per fixture, the pickle's size and the median microseconds of one unpickle (per module).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import yauzl from 'yauzl';
import { unpickle as treeUnpickle, type UnpickleOptions } from '../core/io/pickle/restricted-unpickler.js';
import { storageTypeOf, type StorageRef } from '../core/io/pickle/pickle-globals.js';

type Unpickle = (bytes: Uint8Array, options: UnpickleOptions) => unknown;

const FIXTURES = join(import.meta.dirname, '..', '..', 'tests', 'fixtures', 'checkpoints');

/** Every torch.save zip under the fixtures that unpickles (the malicious ones are refused by design). */
function fixtureFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'malicious' ? [] : fixtureFiles(path);
    return /\.(bin|pt)$/.test(name) ? [path] : [];
  });
}

function dataPkl(path: string): Promise<Uint8Array> {
  return new Promise((done, fail) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return fail(err);
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!/^[^/]+\/data\.pkl$/.test(entry.fileName)) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => (zip.close(), done(new Uint8Array(Buffer.concat(chunks)))));
        });
      });
      zip.on('end', () => fail(new Error(`${path}: no data.pkl`)));
      zip.readEntry();
    });
  });
}

/** Storages as torch-file.ts makes them, without checking the zip holds them (the bench reads no tensor). */
function persistentLoad(pid: unknown): StorageRef {
  const [, type, key, , numel] = pid as [string, unknown, string, unknown, number];
  return { kind: 'storage', element: storageTypeOf(type)!, key, numel };
}

function timeOne(unpickle: Unpickle, bytes: Uint8Array, reps: number): number {
  const options = { source: 'bench', persistentLoad };
  const start = performance.now();
  for (let i = 0; i < reps; i++) unpickle(bytes, options);
  return ((performance.now() - start) * 1000) / reps;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '31' }, reps: { type: 'string', default: '500' }, against: { type: 'string' } } });
  const rounds = Number(values.rounds);
  const reps = Number(values.reps);
  const modules: [string, Unpickle][] = [['tree', treeUnpickle]];
  if (values.against) modules.push([values.against, ((await import(pathToFileURL(resolve(values.against)).href)) as { unpickle: Unpickle }).unpickle]);
  for (const path of fixtureFiles(FIXTURES)) {
    const bytes = await dataPkl(path);
    const samples = modules.map(() => [] as number[]);
    for (const [, unpickle] of modules) timeOne(unpickle, bytes, reps); // warm-up
    for (let r = 0; r < rounds; r++) modules.forEach(([, unpickle], m) => samples[m]!.push(timeOne(unpickle, bytes, reps)));
    const cells = modules.map(([name], m) => `${name}: ${median(samples[m]!).toFixed(1)} µs`);
    console.log(`${relative(FIXTURES, path)} (${bytes.length} B data.pkl): ${cells.join(', ')}`);
  }
}

await main();
