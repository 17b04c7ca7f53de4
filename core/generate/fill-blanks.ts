import { GlmError } from '../errors.js';
import { CustomSamplerStrategy, type TokenSampler } from './custom-sampler.js';
import { ObservedStrategy, type StepObserver } from './observed-strategy.js';
import { BaseStrategy, type BaseStrategyOptions } from './base-strategy.js';
import { BeamSearchStrategy, type BeamSearchOptions } from './beam-search-strategy.js';
import type { DecodingModel } from './decoding-model.js';
import { generateSpan } from './generate-span.js';
import { buildBlankInput, isMaskToken, positionRule, prepareContext, type Rotary } from './glm-inputs.js';
import { Rng } from '../random/rng.js';
import type { GenerationStrategy } from './strategy.js';
import type { Tokenizer } from '../io/tokenizer.js';

/**
 * Sampling (`seed` is used when no `rng` is given; the release's default is 1234), beam search, or a
 * caller's own choice of each token (`custom`: core/generate/custom-sampler.ts, same seeding).
 */
export type StrategyOptions =
  | ({ kind: 'sampling'; seed?: number } & Omit<BaseStrategyOptions, 'endTokens'>)
  | ({ kind: 'beam' } & Omit<BeamSearchOptions, 'endTokens'>)
  | { kind: 'custom'; sample: TokenSampler; seed?: number; rng?: Rng };

export interface FillBlanksOptions {
  /** The release's `--out-seq-length`: the longest sequence, context + [sop] + one blank's tokens. */
  outSeqLength: number;
  strategy: StrategyOptions;
  /** '1d' for GLM-130B (the default), '2d' for ChatGLM-style models. */
  rotary?: Rotary;
  /** Streaming and cancellation: sees each blank start and each step; its signal stops generation. */
  observer?: StepObserver;
}

export interface FilledBeam {
  /** The whole text with every blank filled. */
  text: string;
  /** The text of each blank, in the order they were filled. */
  blanks: string[];
  /** The strategy's score for the last blank filled. */
  score: number;
}

export interface FillBlanksResult {
  /** The prompt as the model saw it: ` [gMASK]` appended when it had no blank. */
  inputText: string;
  /** Best first; one beam when sampling. */
  beams: FilledBeam[];
}

/**
 * The release's `fill_blanks`: fill every [MASK], then every [sMASK], then every [gMASK], one at a time
 * and left to right, each generated span replacing its mask token. Later blanks are conditioned on the
 * best beam of the earlier ones, so the beams differ only in the last blank; a beam's `blanks` are the
 * best beam's earlier blanks plus its own last one, which is the text it reports (the release's
 * per-beam blank lists mix beams of different steps).
 */
export async function fillBlanks(
  model: DecodingModel,
  tokenizer: Tokenizer,
  text: string,
  options: FillBlanksOptions,
): Promise<FillBlanksResult> {
  if (!Number.isInteger(options.outSeqLength) || options.outSeqLength < 2) {
    throw new GlmError('usage', `out-seq-length must be an integer >= 2, got ${options.outSeqLength}`);
  }
  const special = tokenizer.special;
  const rotary = options.rotary ?? '1d';
  const prompt = tokenizer.encode(text);
  const inputText = prompt.some((id) => isMaskToken(id, special)) ? text : `${text} [gMASK]`;
  const context = prepareContext(prompt, special);
  if (context.length > options.outSeqLength - 1) {
    throw new GlmError(
      'input',
      `the prompt is ${context.length} tokens; with [sop] it must fit out-seq-length ${options.outSeqLength}`,
    );
  }
  const made = makeStrategy(options.strategy, [special.eop, special.eos]);
  const strategy = options.observer ? new ObservedStrategy(made, options.observer) : made;

  let best = context;
  const bestBlanks: string[] = [];
  let lastFill: { sequences: number[][]; blanks: string[]; scores: number[]; earlier: string[] } | undefined;
  for (const maskToken of [special.mask, special.smask, special.gmask]) {
    for (let at = best.indexOf(maskToken); at >= 0; at = best.indexOf(maskToken)) {
      const row = buildBlankInput(best, at, special, { rotary });
      const rule = positionRule(best, at, special, rotary);
      const { spans, scores } = await generateSpan(model, row, rule, strategy, { outSeqLength: options.outSeqLength });
      const sequences = spans.map((span) => [...best.slice(0, at), ...span, ...best.slice(at + 1)]);
      const blanks = spans.map((span) => tokenizer.decode(span));
      lastFill = { sequences, blanks, scores, earlier: [...bestBlanks] };
      bestBlanks.push(blanks[0] ?? '');
      best = sequences[0] ?? best;
    }
  }
  if (lastFill === undefined) throw new Error('unreachable: prepareContext always leaves a blank');

  const { sequences, blanks, scores, earlier } = lastFill;
  const beams = sequences.map((sequence, i) => {
    const withoutEos = sequence[sequence.length - 1] === special.eos ? sequence.slice(0, -1) : sequence;
    return { text: tokenizer.decode(withoutEos), blanks: [...earlier, blanks[i] ?? ''], score: scores[i] ?? 0 };
  });
  return { inputText, beams };
}

export function makeStrategy(options: StrategyOptions, endTokens: number[]): GenerationStrategy {
  if (options.kind === 'custom') return new CustomSamplerStrategy(options.sample, { endTokens, rng: options.rng ?? new Rng(options.seed ?? 1234) });
  if (options.kind === 'beam') {
    const { kind: _kind, ...beam } = options;
    return new BeamSearchStrategy({ ...beam, endTokens });
  }
  const { kind: _kind, seed, rng, ...filter } = options;
  return new BaseStrategy({ ...filter, endTokens, rng: rng ?? new Rng(seed ?? 1234) });
}
