#!/usr/bin/env node
/**
 * Fuzz the `glm` command: node tools/fuzz/fuzz.mjs [--seed N] [--runs N] [--subprocess-every N]
 * [--timeout-ms N] [--json FILE]. Needs the build (npx tsc -p tsconfig.json). Prints the runs, the
 * exit codes per input class and every crash (exit 70, a signal, a multi-line error) with the
 * argument vector that reproduces it; exits 1 when there was a crash. docs/reliability.md has the results.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fuzz } from './harness.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: { seed: { type: 'string' }, runs: { type: 'string' }, 'subprocess-every': { type: 'string' }, 'timeout-ms': { type: 'string' }, json: { type: 'string' } },
});
const seed = Number(values.seed ?? 1);
const runs = Number(values.runs ?? 300);
const { runCli } = await import(join(root, 'dist/cli/main.js'));
const { TINY } = await import(join(root, 'dist/core/models/glm/config.js'));
const { writeSafetensors } = await import(join(root, 'dist/core/io/safetensors.js'));
const { randomWeights } = await import(join(root, 'dist/core/models/glm/weights.js'));
const work = mkdtempSync(join(tmpdir(), 'glm-fuzz-'));
const started = performance.now();
const result = await fuzz({
  seed, runs, runCli, bin: join(root, 'bin/glm.js'), work,
  sdk: { TINY, writeSafetensors, randomWeights, root },
  subprocessEvery: Number(values['subprocess-every'] ?? 25),
  timeoutMs: Number(values['timeout-ms'] ?? 30_000),
  onRun: (i) => { if ((i + 1) % 50 === 0) process.stderr.write(`[${i + 1}/${runs}]\n`); },
});
const seconds = (performance.now() - started) / 1000;
console.log(`seed ${seed}: ${result.runs} runs in ${seconds.toFixed(0)} s, ${result.crashes.length} crash(es), ${result.hangs.length} hang(s); work folder ${work}`);
console.log('| input class | runs | exit codes (code × count) |');
console.log('|---|---:|---|');
for (const [kind, s] of Object.entries(result.perClass)) console.log(`| ${kind} | ${s.runs} | ${Object.entries(s.codes).map(([c, n]) => `${c} × ${n}`).join(', ')} |`);
console.log(`| all | ${result.runs} | ${Object.entries(result.codes).map(([c, n]) => `${c} × ${n}`).join(', ')} |`);
for (const c of result.crashes) console.log(`CRASH run ${c.run} (${c.kind}${c.subprocess ? ', subprocess' : ''}): exit ${c.code}: glm ${JSON.stringify(c.argv)} (input kept in ${c.input})\n  ${c.error}`);
for (const h of result.hangs) console.log(`HANG run ${h.run} (${h.kind}): glm ${JSON.stringify(h.argv)}`);
if (values.json) writeFileSync(values.json, JSON.stringify({ ...result, seconds }, null, 1) + '\n');
process.exit(result.crashes.length > 0 ? 1 : 0);
