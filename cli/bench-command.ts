/**
 * `glm bench --backend sunway`: the modelled time of one GLM-130B layer on SW26010-Pro (prefill 2048,
 * decode batch 1 and 16 over a 2048-token cache), per kernel with its roofline fraction, DMA busy
 * fraction and LDM use — a model from the emulator's counts, never a measurement
 * (bench/sunway/glm-layer-model.ts says how the counts reach full width; docs/bench/sunway-model.md
 * has the model's constants and their sources).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GlmError } from '../core/errors.js';
import { SUNWAY_MODEL_CONSTANTS, checkAgainstPublished } from '../backends/sunway/perf-model.js';
import { plugin, type SunwayBackend } from '../backends/sunway/index.js';
import { CHECK_CASES, CHECK_CONFIG, LAYER_CASES, checkCase, modelCase, type CaseModel, type CheckResult } from '../bench/sunway/glm-layer-model.js';
import { HELP_OPTION, withUsageErrors } from './parse.js';

export const BENCH_HELP = `Usage: glm bench --backend sunway [--json FILE] [--no-check]

The modelled time of one GLM-130B layer (fp16 storage; prefill 2048, decode batch 1 and 16 over a
2048-token cache) on SW26010-Pro, per kernel: time, bound, roofline fraction, DMA busy fraction, LDM use.
A model from the emulator's counts — no Sunway hardware ran: the runner's count models give each
launch's DMA/RMA bytes and flops at full width, after checking them launch by launch against the
emulator's counts on the same layer at 3 heads (--no-check skips that); the performance model
(backends/sunway/perf-model.ts) turns counts into time.

Options:
  --backend sunway   the only backend with a model
  --json FILE        also write the numbers as JSON
  --no-check         skip running the narrow layer on the emulator
  -h, --help         this text`;

const OPTIONS = { backend: { type: 'string' }, json: { type: 'string' }, 'no-check': { type: 'boolean' } } as const;

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(0)}%`);

function caseLines(m: CaseModel): string[] {
  const k = m.case;
  const head = `${k.name} (batch ${k.batch}, ${k.seq} new token(s), ${k.past} cached): ${(m.step.timeS * 1e3).toFixed(2)} ms per layer, roofline fraction ${m.step.rooflineFraction.toFixed(3)}`;
  const columns = `  ${'node'.padEnd(36)}${'kernel'.padEnd(14)}${'CGs'.padStart(4)}${'time µs'.padStart(11)}  ${'bound'.padEnd(8)}${'roofline'.padStart(9)}${'DMA busy'.padStart(9)}${'LDM use'.padStart(9)}${'GB'.padStart(8)}${'GFLOP'.padStart(9)}`;
  const rows = m.rows.map(({ node, coreGroups, estimate: e }) => {
    return `  ${node.padEnd(36)}${e.kernel.padEnd(14)}${String(coreGroups).padStart(4)}${(e.timeS * 1e6).toFixed(1).padStart(11)}  ${e.bound.padEnd(8)}${e.rooflineFraction.toFixed(3).padStart(9)}${pct(e.dmaFraction).padStart(9)}${pct(e.ldmUse).padStart(9)}${(e.bytes / 1e9).toFixed(3).padStart(8)}${(e.flops / 1e9).toFixed(1).padStart(9)}`;
  });
  return [head, columns, ...rows, ''];
}

function preamble(backend: SunwayBackend, checks: readonly (readonly [string, CheckResult])[]): string[] {
  const budget = backend.chipInfo.ldmBudget;
  const c = SUNWAY_MODEL_CONSTANTS['SW26010-Pro'];
  const lines = [
    `glm bench --backend sunway: one GLM-130B layer on SW26010-Pro — model from the emulator's counts (no Sunway hardware ran; ${backend.device})`,
    `model: per core group max(DMA bytes / ${(c.memBandwidthPerCg / 1e9).toFixed(1)} GB/s, f32 flops / ${(c.peakPerCg.f32! / 1e12).toFixed(2)} TFLOPS), slowest core group, + ${(c.spawnOverheadS * 1e6).toFixed(0)} µs per launch (ASSUMED); the kernels compute in f32 whatever the storage`,
    `counts: the runner's count models for the launches the sunway planner makes at full width (hidden 12288, 96 heads of 128, FFN 32768, fp16 storage); tiles chosen by the launchers from the ${budget}-byte LDM budget (CRTS_MAX_LDM_SIZE ${backend.chipInfo.ldmBytes}) as on the chip`,
  ];
  for (const [name, r] of checks) {
    const d = r.maxDeviation;
    lines.push(`check (${CHECK_CONFIG.numHeads} heads, ${name}): ${r.launches} launches run on the emulator, counts predicted = emulator's: max deviation DMA ${d.dma}, RMA ${d.rma}, flops ${d.flops}, LDM ${d.ldm}`);
  }
  lines.push(`each kernel: roofline = compute time / modelled time; DMA busy = DMA time / modelled time; LDM use = high-water mark / budget; CGs = core groups it runs on`);
  return [...lines, ''];
}

export async function benchCommand(args: string[]): Promise<number> {
  const { values: v } = withUsageErrors('bench', () => parseArgs({ args, options: { ...OPTIONS, ...HELP_OPTION }, strict: true }));
  if (v.help) return console.log(BENCH_HELP), 0;
  if (v.backend !== 'sunway') throw new GlmError('usage', `glm bench: --backend sunway is the only backend with a performance model here${v.backend ? ` (got "${v.backend}")` : ''}`);
  if (process.env['GLM_SUNWAY_CHIP'] && !/pro/i.test(process.env['GLM_SUNWAY_CHIP'])) throw new GlmError('usage', 'glm bench models SW26010-Pro: unset GLM_SUNWAY_CHIP');
  const probe = await plugin.probe();
  if (!probe.available) throw new GlmError('backend', `sunway is unavailable: ${probe.reason}`);
  const backend = (await plugin.open()) as SunwayBackend; // the plugin's own open() gives its backend type
  try {
    const budget = backend.chipInfo.ldmBudget;
    const checks = v['no-check'] ? [] : CHECK_CASES.map((k) => [k.name, checkCase(backend.native, k)] as const);
    const bad = checks.find(([, r]) => Object.values(r.maxDeviation).some((x) => x !== 0));
    if (bad) throw new GlmError('backend', `the count models disagree with the emulator on ${bad[0]}: ${JSON.stringify(bad[1].maxDeviation)}`);
    const models = LAYER_CASES.map((k) => modelCase(backend.native, k, budget));
    for (const line of [...preamble(backend, checks), ...models.flatMap(caseLines)]) console.log(line);
    const published = checkAgainstPublished();
    console.log('the model against published Sunway efficiencies (docs/bench/sunway-model.md):');
    for (const p of published) console.log(`  ${p.name}: published ${pct(p.published)} (${p.what}); model ${pct(p.modelFraction)} — ${p.consistent ? 'consistent (the model bounds it)' : 'NOT bounded by the model'}`);
    if (v.json) writeFileSync(v.json, JSON.stringify({ label: "model from the emulator's counts", device: backend.device, ldmBudget: budget, checks, cases: models, published }, null, 2));
  } finally {
    await backend.close();
  }
  return 0;
}
