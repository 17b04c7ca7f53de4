/**
 * chat() through the library API on the tiny GLM-4-style model: the streamed pieces are the reply, the
 * turn lands in the history, an aborted reply is kept as far as it got, and the causal continuation
 * (prefill + cached decode steps) gives the logits (to 1e-5) of recomputing the whole sequence from
 * scratch at every step (no cache, positions 0 … n−1, causal mask), an independent path.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, ChatHistory, loadModel, openSession, type Session } from '../../sdk/index.js';
import { chatPrompt, type ChatTokenizer } from '../../core/generate/chat-template.js';
import { generateReply } from '../../core/generate/chat-reply.js';
import type { DecodeStep, PrefillRow } from '../../core/generate/decoding-model.js';
import { writeTinyGlm4Model } from './tiny-glm4-model.js';

const GREEDY = { topK: 1, topP: 0, temperature: 1, seed: 1 };

async function collect(gen: AsyncGenerator<{ text: string; id: number }, unknown>): Promise<{ text: string; ids: number[] }> {
  let text = '';
  const ids: number[] = [];
  for await (const t of gen) (text += t.text), ids.push(t.id);
  return { text, ids };
}

function argmax(row: Float32Array, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

describe('sdk chat()', () => {
  let folder: string;
  let session: Session;
  beforeAll(async () => {
    folder = await writeTinyGlm4Model(11);
    session = await openSession(await loadModel(folder), { cacheCapacity: 256 });
  });
  afterAll(async () => {
    await session?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('streams the reply and adds the turn to the history', async () => {
    const history = new ChatHistory('You are terse.');
    const gen = chat(session, history, 'Hello', { maxNewTokens: 8, sampling: GREEDY });
    const streamed = await collect(gen);
    expect(history.turns).toHaveLength(1);
    expect(history.turns[0]!.user).toBe('Hello');
    expect(streamed.text.replace(/^\n/, '')).toBe(history.turns[0]!.assistant);
    expect(streamed.ids.length).toBeGreaterThan(0);
  });

  it('the cached causal continuation gives the logits of a from-scratch recomputation at every step', async () => {
    const tokenizer = session.model.tokenizer as ChatTokenizer;
    const ms = session.modelSession;
    const recorded: Float32Array[] = [];
    // Whole rows only (no prefillTop/decodeTop), recorded as the generation loop reads them.
    const model = {
      vocabSize: tokenizer.vocabSize,
      prefill: async (rows: PrefillRow[]) => { const r = await ms.prefill(rows); recorded.push(r[0]!); return r; },
      decode: async (step: DecodeStep) => { const r = await ms.decode(step); recorded.push(r[0]!); return r; },
    };
    const prompt = chatPrompt('glm-4', tokenizer, new ChatHistory(), 'Count: one two');
    const { tokens } = await generateReply(model, prompt, {
      kind: 'causal', rotary: '1d', special: tokenizer.special, endTokens: [], sampling: GREEDY, maxNewTokens: 6, capacity: 256,
    });
    expect(tokens).toHaveLength(6);
    const sequence = [...prompt];
    for (let k = 0; k < tokens.length; k++) {
      const [scratch] = await ms.prefill([{ tokens: sequence, positions: sequence.map((_, i) => i), contextLength: 0 }]);
      let diff = 0;
      let norm = 0;
      for (let i = 0; i < tokenizer.vocabSize; i++) (diff = Math.max(diff, Math.abs(scratch![i]! - recorded[k]![i]!))), (norm = Math.max(norm, Math.abs(scratch![i]!)));
      expect(diff / norm).toBeLessThan(1e-5);
      expect(argmax(scratch!, tokenizer.vocabSize)).toBe(tokens[k]);
      sequence.push(tokens[k]!);
    }
  });

  it('an aborted reply rejects and stays in the history as far as it got', async () => {
    const history = new ChatHistory();
    const stop = new AbortController();
    const pieces: string[] = [];
    let error: unknown;
    try {
      for await (const t of chat(session, history, 'Tell me more', { maxNewTokens: 100, sampling: GREEDY, signal: stop.signal })) {
        pieces.push(t.text);
        if (pieces.length === 3) stop.abort(new Error('stop'));
      }
    } catch (e) {
      error = e;
    }
    expect((error as Error)?.message).toBe('stop');
    expect(history.turns).toHaveLength(1);
    expect(history.turns[0]!.stopped).toBe('aborted');
    expect(history.turns[0]!.assistant.startsWith(pieces.join('').replace(/^\n/, ''))).toBe(true);
    // The next turn's prompt holds the interrupted one.
    const next = chatPrompt('glm-4', session.model.tokenizer as ChatTokenizer, history, 'go on');
    expect(session.model.tokenizer.decode(next)).toContain(`<|user|>\nTell me more<|assistant|>\n${history.turns[0]!.assistant}<|user|>\ngo on`);
  });
});
