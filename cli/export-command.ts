/**
 * `glm export --backend sunway --out DIR`: everything a Sunway node needs to run greedy generation of
 * one prompt without Node.js — the launch plans, the weights, the prompt as token ids (tokenized here,
 * at export time), the kernel and runner sources, and a Makefile for swgcc with an emulator target
 * (backends/sunway/export, docs/backends/sunway.md).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GlmError } from '../core/errors.js';
import { buildBlankInput, isMaskToken, positionRule, prepareContext } from '../core/generate/glm-inputs.js';
import type { LoadedModel } from '../core/models/glm/load-model.js';
import { chipFromEnvironment } from '../backends/sunway/chip.js';
import { writeExportTree, type ExportPrompt } from '../backends/sunway/export/export-tree.js';
import { exportPlans } from './export-plans.js';
import { loadModel } from './load-model-option.js';
import { dtypeOption, intOption } from './options.js';
import { HELP_OPTION, withUsageErrors } from './parse.js';

export const EXPORT_HELP = `Usage: glm export --backend sunway --out DIR [options]

Writes a tree that runs greedy generation (glm run --top-k 1) of one prompt on a Sunway node with no
Node.js: the launch plans for the prompt's length and for decode steps, the weights, the prompt as token
ids (tokenized now), the CPE kernels and MPE runner sources, generate.c and a Makefile for swgcc
(make; make emulator builds the same sources with gcc against the athread emulator). The chip is
GLM_SUNWAY_CHIP (SW26010-Pro by default).

Options:
  --backend sunway       the only backend with an export
  --out DIR              the tree to write (created)
  --model M              default (glm-tiny), tiny-random, or a model folder
  --dtype T              f32 (default), f16, bf16 (half precision: SW26010-Pro only)
  --prompt TEXT          the prompt with one blank ([MASK], [sMASK] or [gMASK]; none: [gMASK] is appended);
                         default: the first line of standard input
  --out-seq-length N     longest sequence, context included (256), as glm run's
  -h, --help             this text`;

const OPTIONS = {
  backend: { type: 'string' },
  out: { type: 'string' },
  model: { type: 'string' },
  dtype: { type: 'string' },
  prompt: { type: 'string' },
  'out-seq-length': { type: 'string' },
} as const;

function promptText(given: string | undefined): string {
  if (given !== undefined) return given;
  const line = readFileSync(0, 'utf8').split('\n').find((l) => l.trim() !== '');
  if (line === undefined) throw new GlmError('usage', 'glm export: no --prompt and nothing on standard input');
  return line;
}

/** The prompt as generate.c runs it: the prefill row of its one blank and how later tokens are positioned. */
function exportPrompt(model: LoadedModel, text: string, outSeqLength: number): ExportPrompt {
  const { special } = model.tokenizer;
  const context = prepareContext(model.tokenizer.encode(text), special);
  const blanks = context.filter((id) => isMaskToken(id, special)).length;
  if (blanks !== 1) throw new GlmError('input', `glm export runs one blank; the prompt has ${blanks} (fill the others with glm run)`);
  if (context.length > outSeqLength - 1) throw new GlmError('input', `the prompt is ${context.length} tokens; with [sop] it must fit out-seq-length ${outSeqLength}`);
  const maskIndex = context.findIndex((id) => isMaskToken(id, special));
  const rotary = model.config.rotary;
  const row = buildBlankInput(context, maskIndex, special, { rotary });
  const rule = positionRule(context, maskIndex, special, rotary);
  return {
    tokens: row.tokens, positions: row.positions, ...(row.blockPositions ? { blockPositions: row.blockPositions } : {}),
    contextLength: row.contextLength, maskIndex, continues: rule.continues, endTokens: [special.eop, special.eos],
    outSeqLength, vocabSize: model.config.vocabSize,
  };
}

export async function exportCommand(args: string[]): Promise<number> {
  const { values: v } = withUsageErrors('export', () => parseArgs({ args, options: { ...OPTIONS, ...HELP_OPTION }, strict: true }));
  if (v.help) return console.log(EXPORT_HELP), 0;
  if (v.backend !== 'sunway') throw new GlmError('usage', `glm export: --backend sunway is the only backend with an export${v.backend ? ` (got "${v.backend}")` : ''}`);
  if (!v.out) throw new GlmError('usage', 'glm export: --out DIR is required');
  const dtype = dtypeOption(v.dtype, 'f32');
  const outSeqLength = intOption('out-seq-length', v['out-seq-length'], 256, 2);
  const chip = chipFromEnvironment();
  const model = await loadModel(v.model, dtype);
  if (outSeqLength > model.config.maxSequenceLength) throw new GlmError('usage', `--out-seq-length ${outSeqLength} exceeds the model's maximum sequence length ${model.config.maxSequenceLength}`);
  const prompt = exportPrompt(model, promptText(v.prompt), outSeqLength);
  const plans = exportPlans({ config: model.config, dtype, quantization: model.quantization, chip, promptLength: prompt.tokens.length, capacity: outSeqLength });
  const weights = new Map(plans.params.map((name) => [name, model.weights.get(name)!] as const));
  const out = resolve(v.out);
  const description = `GLM on Sunway, exported by glm-sdk: ${model.description}; ${dtype}; for ${chip}; prompt of ${prompt.tokens.length} tokens (tokenized at export time); out-seq-length ${outSeqLength}.`;
  writeExportTree({ out, plans, weights, prompt, description });
  console.error(`glm export: ${out} — ${description}`);
  console.error('glm export: build with `make` on a Sunway node (swgcc), or `make emulator` here; run build*/glm-generate <dir>');
  return 0;
}
