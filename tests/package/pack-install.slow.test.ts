/**
 * Packaging proved: `npm pack` the checkout (--ignore-scripts: `prepare` would wipe dist/ under
 * everyone else), install the tarball into an empty project with compilers shadowed (a tarball
 * install must build nothing native), import both entry points, type-check against them, generate
 * through the API and with `npx glm run`, and build a plugin with `npx glm new-backend` that runs
 * on its own installed copy of the SDK. Slow (npm installs): `npm run test:full`.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'glm-pack-'));
const app = join(work, 'app');
const plugin = join(work, 'glm-backend-foo');

/** Compilers a native build would call: each records that it was called and fails. */
const SHADOWED = ['nvcc', 'hipcc', 'cmake', 'cmake-js', 'node-gyp', 'cc', 'gcc', 'c++', 'g++', 'make'];
const shadowBin = join(work, 'shadow-bin');
const calledMarker = join(work, 'compiler-called.txt');

function sh(command: string, args: string[], cwd: string, options: SpawnSyncOptions = {}) {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, PATH: `${shadowBin}${delimiter}${process.env['PATH']}`, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
    ...options,
  });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

let tarball = '';

beforeAll(() => {
  mkdirSync(shadowBin);
  for (const name of SHADOWED) {
    writeFileSync(join(shadowBin, name), `#!/bin/sh\necho "${name} $*" >> '${calledMarker}'\nexit 1\n`);
    chmodSync(join(shadowBin, name), 0o755);
  }
  const r = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root);
  if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
  tarball = join(work, (JSON.parse(r.stdout) as { filename: string }[])[0]!.filename);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
}, 300_000);

// Two installs (~90 MB): gone with the run.
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the npm tarball', () => {
  it('holds dist with types, bin, the tiny model, tasks/, docs, every conformance entry and the CI templates; no sources or native builds', () => {
    const listing = sh('tar', ['-tzf', tarball], work).stdout.split('\n').filter(Boolean);
    const want = [
      'package/package.json',
      'package/bin/glm.js',
      'package/dist/sdk/index.js',
      'package/dist/sdk/index.d.ts',
      'package/dist/core/backend-api/plugin-api.js',
      'package/dist/core/backend-api/plugin-api.d.ts',
      'package/dist/cli/main.js',
      'package/dist/backends/skeleton/index.js',
      'package/models/glm-tiny/config.json',
      'package/models/glm-tiny/model.safetensors',
      'package/models/glm-tiny/tokenizer.model',
      'package/tasks/fortunes/en-cloze.yaml',
      'package/tasks/fortunes/en-cloze/test.jsonl',
      'package/docs/api.md',
      'package/docs/plugin-guide.md',
      'package/backends/skeleton/conformance.yaml',
      'package/backends/cpu-ref/conformance.yaml',
    ];
    if (existsSync(join(root, 'conformance', 'ci', 'plugin-workflow.yml'))) want.push('package/conformance/ci/plugin-workflow.yml');
    expect(listing).toEqual(expect.arrayContaining(want));
    const stray = listing.filter((f) => /\.(ts|cpp|cu|h|c)$/.test(f) && !f.endsWith('.d.ts')).concat(listing.filter((f) => f.endsWith('.node') || /\/build(-emu)?\//.test(f)));
    expect(stray).toEqual([]);
  });

  // Mutation of the compiler check: a package whose install step compiles must be caught.
  it('the shadowed compilers do catch an install that builds native code', () => {
    const native = join(work, 'native-pkg');
    mkdirSync(native);
    writeFileSync(join(native, 'package.json'), JSON.stringify({ name: 'native-pkg', version: '1.0.0', scripts: { install: 'cc -c x.c || true' } }));
    const consumer = join(work, 'native-consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'c', version: '1.0.0', private: true }));
    expect(sh('npm', ['install', '--install-links', native], consumer).status).toBe(0);
    expect(readFileSync(calledMarker, 'utf8')).toContain('cc -c x.c');
    writeFileSync(calledMarker, '');
  }, 120_000);

  it('installs into an empty project without any compiler (native parts are optional and lazy)', () => {
    const r = sh('npm', ['install', tarball], app);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(calledMarker) ? readFileSync(calledMarker, 'utf8') : '').toBe('');
    expect(realpathSync(join(app, 'node_modules', 'glm-sdk'))).not.toBe(realpathSync(root));
  }, 300_000);

  it('node -e "import(\'glm-sdk\')" works from another folder, and both entry points export what the docs promise', () => {
    const script = `const sdk = await import('glm-sdk'); const plugin = await import('glm-sdk/plugin');
console.log(JSON.stringify({ sdk: Object.keys(sdk).sort(), plugin: Object.keys(plugin).sort() }));`;
    const r = sh(process.execPath, ['--input-type=module', '-e', script], app);
    expect(r.status, r.stderr).toBe(0);
    const { sdk, plugin: pluginApi } = JSON.parse(r.stdout) as { sdk: string[]; plugin: string[] };
    expect(sdk).toEqual(expect.arrayContaining(['loadModel', 'openSession', 'fillBlanks', 'generate', 'evaluate', 'loadTasks', 'runConformance', 'listBackends', 'probeBackend', 'isGlmError', 'GlmError']));
    expect(pluginApi).toEqual(expect.arrayContaining(['PLUGIN_API_VERSION', 'GlmError', 'isGlmError', 'exitCodeOf', 'GLM_ERROR_BRAND', 'unsupported', 'OP_NAMES', 'runStep']));
    expect(sh(process.execPath, ['-e', "import('glm-sdk').then(() => console.log('ok'))"], app).stdout.trim()).toBe('ok');
  });

  it('TypeScript finds the types of both entry points (strict, nodenext)', () => {
    writeFileSync(
      join(app, 'check.ts'),
      `import { loadModel, openSession, generate, type GeneratedToken, type TokenSampler } from 'glm-sdk';
import { PLUGIN_API_VERSION, isGlmError, type BackendPlugin } from 'glm-sdk/plugin';
const sampler: TokenSampler = (logits) => logits.indexOf(Math.max(...logits));
export async function first(): Promise<GeneratedToken | undefined> {
  const session = await openSession(await loadModel('tiny-random'));
  for await (const t of generate(session, 'x', { strategy: { kind: 'custom', sample: sampler } })) return t;
  return undefined;
}
export const p: Pick<BackendPlugin, 'apiVersion'> = { apiVersion: PLUGIN_API_VERSION };
export const known: boolean = isGlmError(new Error('x'));
// @ts-expect-error: a wrong option must not type-check (the types are real, not any)
openSession(await loadModel(), { backend: 42 });
`,
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = sh(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', join(root, 'node_modules', '@types'), 'check.ts'], app);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('generates with the tiny model through the API and with npx glm run, the same greedy text; the shipped tasks load', () => {
    writeFileSync(
      join(app, 'generate.mjs'),
      `import { loadModel, openSession, fillBlanks, generate, loadTasks, shippedTasksFolder } from 'glm-sdk';
const session = await openSession(await loadModel(), { cacheCapacity: 64 });
const options = { outSeqLength: 64, strategy: { kind: 'sampling', topK: 1 } };
let streamed = '';
for await (const t of generate(session, 'A friend in need is a friend [MASK].', options)) streamed += t.text;
const result = await fillBlanks(session, 'A friend in need is a friend [MASK].', options);
await session.close();
const tasks = await loadTasks(shippedTasksFolder());
console.log(JSON.stringify({ text: result.beams[0].text, blank: result.beams[0].blanks[0], streamed, execution: result.source.execution, tasks: tasks.map((t) => t.task.name).sort() }));`,
    );
    const api = sh(process.execPath, ['generate.mjs'], app);
    expect(api.status, api.stderr).toBe(0);
    const got = JSON.parse(api.stdout) as { text: string; blank: string; streamed: string; execution: string; tasks: string[] };
    expect(got.streamed).toBe(got.blank);
    expect(got.execution).toBe('reference');
    expect(got.tasks).toEqual(['en-cloze', 'en-last-word', 'heldout-ppl', 'zh-next-clause']);
    writeFileSync(join(app, 'prompts.txt'), 'A friend in need is a friend [MASK].\n');
    const cli = sh('npx', ['glm', 'run', '--input-source', 'prompts.txt', '--top-k', '1', '--out-seq-length', '64'], app);
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout.trim()).toBe(got.text);
    expect(cli.stderr).toContain('results from the CPU reference');
  }, 180_000);

  it('npx glm new-backend makes a plugin that runs on its own installed SDK copy: by path, by package name, its errors, its conformance script', () => {
    expect(sh('npx', ['glm', 'new-backend', 'foo', '--dir', plugin], app).status).toBe(0);
    const own = sh('npm', ['install', '--save-dev', tarball], plugin);
    expect(own.status, own.stderr).toBe(0);
    // Two copies of glm-sdk: the application's and the plugin's own.
    expect(realpathSync(join(plugin, 'node_modules', 'glm-sdk'))).not.toBe(realpathSync(join(app, 'node_modules', 'glm-sdk')));
    const byPath = sh('npx', ['glm', 'backends', '--backend', '../glm-backend-foo/index.js'], app);
    expect(byPath.stdout.trim(), byPath.stderr).toBe('foo  available    emulator — none (skeleton: no kernels)');
    expect(sh('npm', ['install', plugin], app).status).toBe(0);
    const byName = sh('npx', ['glm', 'backends', '--backend', 'glm-backend-foo'], app);
    expect(byName.stdout.trim(), byName.stderr).toBe('foo  available    emulator — none (skeleton: no kernels)');

    // The plugin's GlmError (from its own copy) keeps its exit code in the application's glm.
    const failing = readFileSync(join(plugin, 'index.js'), 'utf8').replace('async open() {', "async open() {\n        throw new GlmError('resource', `${NAME}: 3 GiB asked, 1 GiB free`);");
    writeFileSync(join(plugin, 'failing.js'), failing);
    const run = sh('npx', ['glm', 'run', '--backend', '../glm-backend-foo/failing.js', '--input-source', 'prompts.txt'], app);
    expect(run.stderr.trim().split('\n').at(-1)).toBe('glm: error: foo: 3 GiB asked, 1 GiB free');
    expect(run.status).toBe(7);

    const conformance = sh('npm', ['run', 'conformance', '--', '--filter', 'fault/*,op/gelu/f32/*'], plugin);
    expect(conformance.status, conformance.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(plugin, 'conformance.json'), 'utf8')) as { backend: string; counts: Record<string, number>; results: unknown[] };
    expect(report.backend).toBe('foo');
    expect(report.counts['unsupported']).toBe(report.results.length);
    expect(existsSync(join(plugin, 'conformance.xml'))).toBe(true);
  }, 600_000);
});
