/**
 * `glm run` on a pre-norm model continues the text after [gMASK] <sop> (ChatGLM2/3, GLM-4), where the
 * GLM family fills blanks: the CLI prints prompt + continuation, the continuation's greedy tokens are
 * the argmax of a from-scratch causal recomputation, and a blank in the prompt is refused (exit 3).
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { continueText } from '../../core/generate/continue-text.js';
import { loadModel, openSession, type Session } from '../../sdk/index.js';
import { writeTinyGlm4Model } from './tiny-glm4-model.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = (args: string[], input: string) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile('node', ['bin/glm.js', 'run', ...args], { cwd: ROOT }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });

describe('glm run on a pre-norm model', () => {
  let folder: string;
  let session: Session;
  beforeAll(async () => {
    folder = await writeTinyGlm4Model(5);
    session = await openSession(await loadModel(folder), { cacheCapacity: 64 });
  });
  afterAll(async () => {
    await session?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('continues causally: greedy tokens = argmax of recomputing [gMASK] <sop> + prompt + tokens so far', async () => {
    const tokenizer = session.model.tokenizer;
    const { beams } = await continueText(session.modelSession, tokenizer, 'The cat', { outSeqLength: 16, strategy: { kind: 'sampling', topK: 1, topP: 0, temperature: 1, seed: 1 } });
    const sequence = [tokenizer.special.gmask, tokenizer.special.sop, ...tokenizer.encode('The cat')];
    const start = sequence.length;
    while (sequence.length < 16) {
      const [row] = await session.modelSession.prefill([{ tokens: sequence, positions: sequence.map((_, i) => i), contextLength: 0 }]);
      let best = 0;
      for (let i = 1; i < tokenizer.vocabSize; i++) if (row![i]! > row![best]!) best = i;
      if (best === tokenizer.special.eos || best === tokenizer.special.eop) break;
      sequence.push(best);
    }
    expect(beams[0]!.text).toBe('The cat' + tokenizer.decode(sequence.slice(start)));
  });

  it('the CLI prints prompt + continuation, and refuses a blank with exit 3', async () => {
    const ok = await run(['--model', folder, '--top-k', '1', '--out-seq-length', '16'], 'The cat\n');
    expect(ok.code).toBe(0);
    expect(ok.stdout.startsWith('The cat')).toBe(true);
    const blank = await run(['--model', folder, '--top-k', '1', '--out-seq-length', '16'], 'The [MASK] sat\n');
    expect(blank.code).toBe(3);
    expect(blank.stderr).toContain('this model continues text');
    expect(blank.stderr.trim().split('\n').at(-1)).toMatch(/^glm: error: /);
  });
});
