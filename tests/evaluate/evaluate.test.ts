import { describe, expect, it } from 'vitest';
import { plugin as cpuRef } from '../../backends/cpu-ref/index.js';
import { parseTaskConfig } from '../../core/evaluate/task-config.js';
import { exactMatch, f1Score, normalizeAnswer, perplexity, median } from '../../core/evaluate/metrics.js';
import { scoreChoices } from '../../core/evaluate/scoring.js';
import { tinyRandomModel } from '../../core/models/glm/load-model.js';
import { ModelSession } from '../../core/session/session.js';
import { buildGlmModelGraph, GLM_INPUTS } from '../../core/models/glm/graphs.js';
import { runGraph } from '../../core/execute/run-graph.js';
import { headDim } from '../../core/models/glm/config.js';
import { hostTensor, toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';
import { logSoftmaxF32 } from '../../core/generate/logits-math.js';

describe('metrics', () => {
  it('normalises answers like SQuAD and scores EM / F1 ×100', () => {
    expect(normalizeAnswer('The  Cat, sat!')).toBe('cat sat');
    expect(exactMatch('the cat', ['Cat'])).toBe(100);
    expect(exactMatch('a dog', ['cat', 'dog.'])).toBe(100);
    expect(exactMatch('dogs', ['dog'])).toBe(0);
    // prediction "black cat sat" vs "the cat sat down": common {cat, sat} = 2; P = 2/3, R = 2/3 → F1 = 66.67
    expect(f1Score('black cat sat', ['the cat sat down'])).toBeCloseTo(66.6667, 3);
    expect(f1Score('x', ['y', 'x'])).toBe(100);
  });

  it('caps the perplexity exponent at 20, as the release does', () => {
    expect(perplexity(10, 5)).toBeCloseTo(Math.exp(2), 12);
    expect(perplexity(1000, 1)).toBe(Math.exp(20));
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});

describe('task YAML', () => {
  it('reads the release fields with their defaults', () => {
    const t = parseTaskConfig('name: x\ntype: mul\npath: data\nfile-pattern:\n  dev: "dev/*.jsonl"\n  test: "**/test.jsonl"\nuse_task_mask: true\n', 'x.yaml');
    expect(t).toMatchObject({ name: 'x', type: 'mul', metrics: ['Accuracy'], useTaskMask: true, maxSeqLength: 2048 });
    expect(t.filePattern).toEqual({ dev: 'dev/*.jsonl', test: '**/test.jsonl' });
  });

  it('gives one-line errors naming the file and field', () => {
    expect(() => parseTaskConfig('name: x\ntype: classify\npath: d\nfile-pattern: a', 't.yaml')).toThrow('t.yaml: "type" must be one of mul, gen, lm, got "classify"');
    expect(() => parseTaskConfig('name: x\ntype: gen\nfile-pattern: a', 't.yaml')).toThrow('t.yaml: "path" must be a non-empty string');
    expect(() => parseTaskConfig('name: [x', 't.yaml')).toThrow(/^t\.yaml: not valid YAML/);
    expect(() => parseTaskConfig('- a\n- b', 't.yaml')).toThrow('t.yaml: a task must be a YAML mapping');
    expect(() => parseTaskConfig('name: x\ntype: lm\npath: d\nfile-pattern: a\nmax_seq_length: -3', 't.yaml')).toThrow('"max_seq_length" must be an integer >= 2');
  });
});

describe('multiple-choice scoring', () => {
  it('equals the summed log-probabilities of a full forward pass of each choice (the cache trick is exact)', async () => {
    const model = tinyRandomModel('f32');
    const backend = await cpuRef.open();
    const session = await ModelSession.open(backend, model.config, model.weights, { dtype: 'f32' });
    const task = parseTaskConfig('name: t\ntype: mul\npath: .\nfile-pattern: x', 't.yaml');
    const sample = { inputs: 'Cats like [MASK] a lot.', choices: [' fish', ' dogs!', ' a'], targets: [], label: 0 };
    const scores = await scoreChoices(session, model.tokenizer, task, sample);

    const graph = buildGlmModelGraph(model.config, { dtype: 'f32', logits: 'all' });
    const t = model.tokenizer;
    const context = t.encode(sample.inputs);
    const maskAt = context.indexOf(t.special.mask);
    for (const [k, choice] of sample.choices.entries()) {
      const c = t.encode(choice);
      const tokens = [...context, t.special.sop, ...c.slice(0, -1)];
      const positions = tokens.map((_, i) => (i < context.length ? i : maskAt)); // [MASK]: choice tokens at the mask's position
      const inputs: Record<string, HostTensor> = Object.fromEntries(model.weights);
      inputs[GLM_INPUTS.inputIds] = hostTensor('i32', [1, tokens.length], Int32Array.from(tokens));
      inputs[GLM_INPUTS.positions] = hostTensor('i32', [1, tokens.length], Int32Array.from(positions));
      inputs[GLM_INPUTS.contextLengths] = hostTensor('i32', [1], Int32Array.from([context.length]));
      inputs[GLM_INPUTS.cacheIndex] = hostTensor('i32', [1], Int32Array.from([0]));
      for (let l = 0; l < model.config.numLayers; l++) {
        inputs[GLM_INPUTS.pastKey(l)] = hostTensor('f32', [1, model.config.numHeads, 0, headDim(model.config)]);
        inputs[GLM_INPUTS.pastValue(l)] = hostTensor('f32', [1, model.config.numHeads, 0, headDim(model.config)]);
      }
      const logits = toFloat64((await runGraph(backend, graph, inputs))['logits']!);
      const v = model.config.paddedVocabSize;
      let sum = 0;
      c.forEach((token, i) => {
        const at = context.length + i;
        sum += logSoftmaxF32(Float32Array.from(logits.subarray(at * v, at * v + model.config.vocabSize)))[token]!;
      });
      expect(scores[k]).toBeCloseTo(sum, 4);
    }
    await session.close();
  });
});
