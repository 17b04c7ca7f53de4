/**
 * cpu-ref against the goldens written by the independent PyTorch implementation that trained the
 * default model (tools/train-tiny-glm/golden.py): fp32 logits of the last prompt position within
 * the fp32 tolerance, and greedy continuations token for token — through our own tokenizer, input
 * rules (masks, positions) and generation loop.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { plugin as cpuRef } from '../../backends/cpu-ref/index.js';
import { defaultModel, DEFAULT_MODEL_FOLDER } from '../../core/models/glm/load-model.js';
import { ModelSession } from '../../core/session/session.js';
import { buildBlankInput, prepareContext } from '../../core/generate/glm-inputs.js';
import { fillBlanks } from '../../core/generate/fill-blanks.js';
import { compareOutput } from '../../conformance/compare.js';
import { toleranceFor } from '../../conformance/tolerance.js';

interface GoldenPrompt {
  name: string;
  text: string;
  input_ids: number[];
  position_ids: number[];
  context_length: number;
  logits_last: number[];
  greedy: { ids: number[]; text: string; filled_text: string };
}

const golden = JSON.parse(readFileSync(`${DEFAULT_MODEL_FOLDER}/golden.json`, 'utf8')) as { prompts: GoldenPrompt[]; max_new_tokens: number };

describe('default model (glm-tiny) against the PyTorch goldens', async () => {
  const model = await defaultModel('f32');
  const session = await ModelSession.open(await cpuRef.open(), model.config, model.weights, { dtype: 'f32' });
  const t = model.tokenizer;

  it('has ten prompts covering English and Chinese and every mask type', () => {
    expect(golden.prompts).toHaveLength(10);
    for (const m of ['[MASK]', '[sMASK]', '[gMASK]']) expect(golden.prompts.some((p) => p.text.includes(m))).toBe(true);
    expect(golden.prompts.some((p) => !/\[[sg]?MASK\]/.test(p.text))).toBe(true);
    expect(golden.prompts.some((p) => /[\u4e00-\u9fff]/.test(p.text))).toBe(true);
  });

  for (const p of golden.prompts) {
    it(`${p.name}: same inputs, fp32 logits within tolerance, same greedy tokens`, async () => {
      const context = prepareContext(t.encode(p.text), t.special);
      const maskAt = context.findIndex((id) => id === t.special.mask || id === t.special.smask || id === t.special.gmask);
      const row = buildBlankInput(context, maskAt, t.special, { rotary: '1d' });
      expect(row.tokens).toEqual(p.input_ids);
      expect(row.positions).toEqual(p.position_ids);
      expect(row.contextLength).toBe(p.context_length);

      const [logits] = await session.prefill([row]);
      const ours = Float64Array.from(logits!.subarray(0, model.config.vocabSize));
      const cmp = compareOutput('logits', 'f32', ours, Float64Array.from(p.logits_last), toleranceFor('chain', 'f32'));
      expect(cmp.failure).toBeUndefined();
      expect(cmp.nmse).toBeLessThan(1e-10);

      const result = await fillBlanks(session, t, p.text, { outSeqLength: p.input_ids.length + golden.max_new_tokens, strategy: { kind: 'sampling', topK: 1 } });
      expect(t.encode(result.beams[0]!.blanks[0]!)).toEqual(t.encode(p.greedy.text));
      expect(result.beams[0]!.text).toBe(p.greedy.filled_text);
    });
  }
});
