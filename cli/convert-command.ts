/** `glm convert`: the release's SAT checkpoints or Hugging Face GLM-family folders → an SDK model folder. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { GlmError } from '../core/errors.js';
import { BUILTIN_CONFIGS, parseGlmConfig, type GlmConfig } from '../core/models/glm/config.js';
import { convertCheckpoint } from '../core/models/glm/convert/convert-checkpoint.js';
import { checkNewDirectory } from '../core/models/glm/convert/atomic-directory.js';
import { SAT_TABLE } from '../core/models/glm/convert/layouts.js';
import { huggingFaceLayout } from '../core/models/glm/convert/hf-config.js';
import { openHuggingFace, openSatRanks, satRankFiles } from '../core/models/glm/convert/sources.js';
import type { TensorSource } from '../core/models/glm/convert/tensor-source.js';
import type { FloatDType } from '../core/tensor/dtype.js';
import { choiceOption, floatOption } from './options.js';
import { HELP_OPTION, withUsageErrors } from './parse.js';
import { loadProgressBar } from './load-progress.js';

export const CONVERT_HELP = `Usage: glm convert --from sat|hf --input DIR --output DIR [options]

Converts a checkpoint to a model folder glm run --model DIR loads: sharded safetensors,
model.safetensors.index.json and config.json. PyTorch files are read by a restricted unpickler
that never runs code (docs/weights.md). The output folder appears only when complete.

  --from sat                 the release's SwissArmyTransformer layout: DIR holds "latest" and the
                             iteration folder, or mp_rank_00_model_states.pt … mp_rank_NN_… itself;
                             model-parallel parts are merged (any degree)
  --from hf                  a Hugging Face folder: config.json (ChatGLM-6B, ChatGLM2/3-6B and
                             glm-4-9b: model_type chatglm; transformers' GlmForCausalLM: glm;
                             Glm4ForCausalLM, GLM-4-0414: glm4) with pytorch_model.bin,
                             pytorch_model-0000k-of-0000n.bin + pytorch_model.bin.index.json, or
                             safetensors (one file, or shards + model.safetensors.index.json)
  --rope-ratio-applies-to base|positions
                             what a ChatGLM2-family "rope_ratio" means when the folder has no
                             modeling_chatglm.py to say (base: ChatGLM3-6B-32K, glm-4-9b;
                             positions: ChatGLM2-6B-32K, not supported)
  --config NAME|FILE         the model shape (sat only: its files carry none): glm-130b, tiny, or a
                             JSON file with GlmConfig's fields
  --dtype f16|bf16|f32       storage dtype of the output (default f16, the releases' dtype)
  --quantize 8|4             write weight-only INT8/INT4 Linears (the release's per-row scheme);
                             load them with --from-quantized-checkpoint
  --tokenizer bytes|sentencepiece|icetk   the tokenizer config.json names (default bytes)
  --tokenizer-file FILE      copied into the folder (tokenizer.model / ice_text.model)
  --max-shard-size GB        largest shard (default 2)
  --progress                 progress bar even when stderr is not a terminal
  -h, --help                 this text`;

const OPTIONS = {
  from: { type: 'string' },
  input: { type: 'string' },
  output: { type: 'string' },
  config: { type: 'string' },
  dtype: { type: 'string' },
  quantize: { type: 'string' },
  tokenizer: { type: 'string' },
  'tokenizer-file': { type: 'string' },
  'max-shard-size': { type: 'string' },
  progress: { type: 'boolean' },
  'rope-ratio-applies-to': { type: 'string' },
} as const;

const TOKENIZER_FILES: Record<string, string> = { sentencepiece: 'tokenizer.model', icetk: 'ice_text.model' };

export async function convertCommand(args: string[]): Promise<number> {
  const { values: v } = withUsageErrors('convert', () => parseArgs({ args, options: { ...OPTIONS, ...HELP_OPTION }, strict: true }));
  if (v.help) return console.log(CONVERT_HELP), 0;
  // Cheap checks first: flags, paths, the output folder.
  if (v.from === undefined) throw new GlmError('usage', 'glm convert needs --from sat|hf (see glm convert --help)');
  const from = choiceOption('from', v.from, ['sat', 'hf'] as const, 'sat');
  if (!v.input || !v.output) throw new GlmError('usage', 'glm convert needs --input DIR and --output DIR');
  const dtype = choiceOption('dtype', v.dtype, ['f16', 'bf16', 'f32'] as const, 'f16') as FloatDType;
  const quantize = v.quantize === undefined ? undefined : v.quantize === '8' ? 8 : v.quantize === '4' ? 4 : undefined;
  if (v.quantize !== undefined && !quantize) throw new GlmError('usage', `--quantize must be 8 or 4, got "${v.quantize}"`);
  const tokenizer = choiceOption('tokenizer', v.tokenizer, ['bytes', 'sentencepiece', 'icetk'] as const, 'bytes');
  if (tokenizer !== 'bytes' && !v['tokenizer-file']) throw new GlmError('usage', `--tokenizer ${tokenizer} needs --tokenizer-file (its ${TOKENIZER_FILES[tokenizer]})`);
  const shardGB = floatOption('max-shard-size', v['max-shard-size'], 2, (x) => x > 0 && x <= 1024, 'a size in GB, > 0');
  if (from === 'sat' && !v.config) throw new GlmError('usage', '--from sat needs --config glm-130b|tiny|FILE: SAT files carry no model shape');
  const ropeRatio = v['rope-ratio-applies-to'] === undefined ? undefined : choiceOption('rope-ratio-applies-to', v['rope-ratio-applies-to'], ['base', 'positions'] as const, 'base');
  if (from === 'sat' && ropeRatio) throw new GlmError('usage', '--rope-ratio-applies-to is for --from hf (ChatGLM2-family folders)');
  if (from === 'hf' && v.config) throw new GlmError('usage', '--config is for --from sat; a Hugging Face folder has its own config.json');
  await checkNewDirectory(v.output);

  const layout = from === 'sat' ? { config: await configOption(v.config!), table: SAT_TABLE, layoutName: '' } : await huggingFaceLayout(v.input, ropeRatio ? { ropeRatioAppliesTo: ropeRatio } : {});
  const config = layout.config;
  const ranks: TensorSource[] = from === 'sat' ? await openSatRanks(await satRankFiles(v.input)) : [await openHuggingFace(v.input)];
  const bar = loadProgressBar(`converting ${v.input}`, v.progress === true);
  const started = performance.now();
  try {
    const summary = await convertCheckpoint({
      config,
      ranks,
      table: layout.table,
      layoutName: from === 'sat' ? `SwissArmyTransformer, ${ranks.length}-way model parallel` : layout.layoutName,
      out: v.output,
      dtype,
      ...(quantize ? { quantize } : {}),
      tokenizer,
      maxShardBytes: shardGB * 1e9,
      ...(bar ? { onProgress: (doneBytes: number, totalBytes: number) => bar.onProgress({ doneBytes, totalBytes }) } : {}),
      ...(v['tokenizer-file'] ? { extraFiles: [{ from: v['tokenizer-file'], name: TOKENIZER_FILES[tokenizer]! }] } : {}),
    });
    bar?.stop();
    const seconds = (performance.now() - started) / 1000;
    console.error(`glm: wrote ${v.output}: ${summary.tensors} tensors, ${(summary.bytes / 1e6).toFixed(1)} MB in ${summary.shards.length} shard(s), ${dtype}${quantize ? `, int${quantize} Linears` : ''}, from ${ranks.length} source part(s) in ${seconds.toFixed(2)} s`);
  } finally {
    bar?.stop();
    for (const r of ranks) await r.close();
  }
  return 0;
}

async function configOption(spec: string): Promise<GlmConfig> {
  const builtin = BUILTIN_CONFIGS[spec];
  if (builtin) return builtin;
  let text: string;
  try {
    text = await readFile(spec, 'utf8');
  } catch (e) {
    throw new GlmError('usage', `--config ${spec}: not a built-in config (${Object.keys(BUILTIN_CONFIGS).join(', ')}) nor a readable file (${(e as NodeJS.ErrnoException).code})`);
  }
  try {
    return parseGlmConfig(JSON.parse(text), spec);
  } catch (e) {
    if (e instanceof SyntaxError) throw new GlmError('input', `${spec}: not valid JSON`);
    throw e;
  }
}

