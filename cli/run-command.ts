/** `glm run`: blank filling with the release's flags, on any backend. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GlmError, isGlmError } from '../core/errors.js';
import { writeTextFileAtomic } from '../core/io/atomic-write.js';
import { fillBlanks, type StrategyOptions } from '../core/generate/fill-blanks.js';
import { continueText } from '../core/generate/continue-text.js';
import { residualKind } from '../core/models/glm/config.js';
import { loadModel, MODEL_LOAD_HELP, MODEL_LOAD_OPTIONS, quantizationBitWidth } from './load-model-option.js';
import { openModelSession } from './open-session.js';
import { choiceOption, dtypeOption, floatOption, intOption } from './options.js';
import { parseArgs } from 'node:util';
import { HELP_OPTION, normalizeArgs, withUsageErrors } from './parse.js';
import { checkOutputFolder } from './output-paths.js';
import { readUtf8File, strictUtf8Lines } from '../core/io/utf8-text.js';
import { EXPLAIN_HELP, EXPLAIN_OPTION } from './explain.js';
import { checkTensorParallelOption, tensorParallelSize, TENSOR_PARALLEL_HELP, TENSOR_PARALLEL_OPTIONS } from './tensor-parallel-option.js';

export const RUN_HELP = `Usage: glm run [options]

Generates text with a GLM model, filling [MASK], [sMASK] and [gMASK] blanks like the
release's generate.py. A prompt without a blank gets " [gMASK]" appended. A pre-norm model
(ChatGLM2/3, GLM-4 block) continues the prompt instead, after [gMASK] <sop>.

Model and backend:
  --backend NAME|PATH        cpu-ref (default), a built-in, ./my-plugin.js or a package
  --model default|FOLDER     FOLDER holds config.json + model.safetensors (default: built-in)
  --dtype f32|f16|bf16       storage dtype of weights and activations (default f32)
  --allow-cpu-fallback       run the nodes the backend cannot run on cpu-ref (printed);
                             without it such a backend is refused (strict, the default)
${TENSOR_PARALLEL_HELP}
${MODEL_LOAD_HELP}

Input and output:
  --input-source interactive|FILE   one query per line; "stop" ends interactive input (default interactive)
  --output-path DIR          write one file per query, one line per beam
  --overwrite                replace earlier query-NNNN.txt files in DIR (refused without it)

Generation (release defaults):
  --out-seq-length N         longest sequence, context included (256)
  --min-gen-length N         end tokens banned before N generated tokens (0)
  --sampling-strategy S      BaseStrategy | BeamSearchStrategy (BaseStrategy)
  --num-beams N              beams of BeamSearchStrategy, 1 to 256 (4)
  --length-penalty X         OpenNMT length penalty exponent (1.0)
  --no-repeat-ngram-size N   beam search never repeats an n-gram of this size (3)
  --print-all-beams          print every beam, not only the best
  --top-k N                  keep the k most likely tokens, 0 = off (0; 1 = greedy)
  --top-p X                  nucleus sampling, 0 = off (0.7)
  --temperature X            logits are divided by it, > 0 (1.0); a tiny one decodes greedily
                             (its limit), never NaN
  --seed N                   random seed (1234)
  The release's underscore spellings work too (--top_k, --out_seq_length, …).
${EXPLAIN_HELP}
  -h, --help                 this text`;

/** The release's sampling flags (BaseStrategy), read by samplingFrom; glm chat takes the same. */
export const SAMPLING_OPTIONS = {
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  temperature: { type: 'string' },
  seed: { type: 'string' },
} as const;

const OPTIONS = {
  backend: { type: 'string' },
  model: { type: 'string' },
  dtype: { type: 'string' },
  'allow-cpu-fallback': { type: 'boolean' },
  'input-source': { type: 'string' },
  'output-path': { type: 'string' },
  overwrite: { type: 'boolean' },
  ...EXPLAIN_OPTION,
  'out-seq-length': { type: 'string' },
  'min-gen-length': { type: 'string' },
  'sampling-strategy': { type: 'string' },
  'num-beams': { type: 'string' },
  'length-penalty': { type: 'string' },
  'no-repeat-ngram-size': { type: 'string' },
  'print-all-beams': { type: 'boolean' },
  ...SAMPLING_OPTIONS,
  ...MODEL_LOAD_OPTIONS,
  ...TENSOR_PARALLEL_OPTIONS,
} as const;

/** Beams are rows of every decode step: far beyond the release's 16 only memory runs out. */
const MAX_BEAMS = 256;
/** The files --output-path receives (and --overwrite replaces). */
const QUERY_FILE = /^query-\d{4,}\.txt$/;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function strategyFrom(v: Values): StrategyOptions {
  const kind = choiceOption('sampling-strategy', v['sampling-strategy'], ['BaseStrategy', 'BeamSearchStrategy'] as const, 'BaseStrategy');
  if (kind === 'BeamSearchStrategy') {
    return {
      kind: 'beam',
      numBeams: intOption('num-beams', v['num-beams'], 4, 1, MAX_BEAMS),
      lengthPenalty: floatOption('length-penalty', v['length-penalty'], 1.0, () => true, 'a finite number'),
      noRepeatNgramSize: intOption('no-repeat-ngram-size', v['no-repeat-ngram-size'], 3, 0),
      minGenLength: intOption('min-gen-length', v['min-gen-length'], 0, 0),
    };
  }
  return { kind: 'sampling', ...samplingFrom(v) };
}

type SamplingValues = { [K in keyof typeof SAMPLING_OPTIONS]?: string };

/** The sampling flags' values, checked (the release's defaults). */
export function samplingFrom(v: SamplingValues): Omit<Extract<StrategyOptions, { kind: 'sampling' }>, 'kind'> {
  return {
    seed: intOption('seed', v.seed, 1234, 0),
    temperature: floatOption('temperature', v.temperature, 1.0, (x) => x > 0, 'a number > 0'),
    topK: intOption('top-k', v['top-k'], 0, 0),
    topP: floatOption('top-p', v['top-p'], 0.7, (x) => x >= 0 && x <= 1, 'in [0, 1]'),
  };
}

/**
 * Queries from a file (one a line; read up front, so a bad path fails before any work) or from
 * stdin until EOF or "stop".
 */
async function openQuerySource(source: string): Promise<AsyncIterable<string>> {
  if (source !== 'interactive') {
    const text = await readUtf8File(source, '--input-source');
    const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
    return (async function* () {
      yield* lines;
    })();
  }
  return (async function* () {
    const ask = () => process.stderr.isTTY && process.stderr.write("Enter the query ('stop' to exit) > ");
    ask();
    // Bytes, not readline's strings: invalid UTF-8 is an error with its line, not a silent U+FFFD.
    for await (const line of strictUtf8Lines(process.stdin, 'stdin')) {
      if (line.trim() === 'stop') break;
      if (line.trim() !== '') yield line;
      ask();
    }
  })();
}

export async function runCommand(args: string[]): Promise<number> {
  const { values: v } = withUsageErrors('run', () => parseArgs({ args: normalizeArgs(args, OPTIONS), options: { ...OPTIONS, ...HELP_OPTION }, strict: true }));
  if (v.help) return console.log(RUN_HELP), 0;
  const dtype = dtypeOption(v.dtype, 'f32');
  quantizationBitWidth(v['quantization-bit-width']);
  const strategy = strategyFrom(v);
  const outSeqLength = intOption('out-seq-length', v['out-seq-length'], 256, 2);
  const tensorParallel = tensorParallelSize(v);
  const printAll = v['print-all-beams'] === true;
  const outputPath = v['output-path'];
  if (outputPath !== undefined) checkOutputFolder('--output-path', outputPath, v.overwrite === true, QUERY_FILE);
  const queries = await openQuerySource(v['input-source'] ?? 'interactive');

  const model = await loadModel(v.model, dtype, v);
  if (outSeqLength > model.config.maxSequenceLength) {
    throw new GlmError('usage', `--out-seq-length ${outSeqLength} exceeds the model's maximum sequence length ${model.config.maxSequenceLength}`);
  }
  checkTensorParallelOption(model, tensorParallel, v['allow-cpu-fallback'] === true);
  const opened = await openModelSession(model, v.backend ?? 'cpu-ref', dtype, v['allow-cpu-fallback'] === true, outSeqLength, tensorParallel);
  const session = opened.session;
  if (outputPath) await mkdir(outputPath, { recursive: true });

  try {
    let index = 0;
    for await (const query of queries) {
      index++;
      const started = performance.now();
      // The GLM family fills blanks; the pre-norm families (ChatGLM2/3, GLM-4) continue the text.
      const generation = residualKind(model.config) === 'pre-norm' ? continueText(session, model.tokenizer, query, { outSeqLength, strategy }) : fillBlanks(session, model.tokenizer, query, { outSeqLength, strategy, rotary: model.config.rotary });
      const result = await generation.catch((e: unknown) => {
        // Which query, and the limits: a prompt too long for --out-seq-length or the model's context.
        if (!isGlmError(e) || e.code !== 'input') throw e;
        throw new GlmError('input', `query ${index}: ${e.message} (the model's context is ${model.config.maxSequenceLength} tokens)`, { cause: e });
      });
      const seconds = (performance.now() - started) / 1000;
      const beams = printAll ? result.beams : result.beams.slice(0, 1);
      for (const beam of beams) console.log(beam.text);
      console.error(`glm: query ${index}: ${result.beams.length} beam(s) in ${seconds.toFixed(2)} s`);
      if (outputPath) {
        const file = join(outputPath, `query-${String(index).padStart(4, '0')}.txt`);
        await writeTextFileAtomic(file, result.beams.map((b) => b.text.replace(/\n/g, '\\n')).join('\n') + '\n');
      }
    }
  } finally {
    await opened.close();
  }
  return 0;
}
