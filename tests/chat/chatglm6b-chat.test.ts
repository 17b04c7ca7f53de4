/**
 * The ChatGLM-6B format on a DeepNorm model generates its reply by blank filling: the same greedy text
 * as the release's fillBlanks (core/generate/fill-blanks.ts, checked elsewhere against the release) on
 * the prompt "[Round 0]\n问：…\n答：…\n[Round 1]\n问：…\n答：[gMASK]". A causal continuation of the
 * same ids (the pre-norm path, the mutation) gives another reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, ChatHistory, fillBlanks, loadModel, openSession, type Session } from '../../sdk/index.js';
import { generateReply } from '../../core/generate/chat-reply.js';
import { chatPrompt } from '../../core/generate/chat-template.js';

const GREEDY = { topK: 1, topP: 0, temperature: 1, seed: 1 };

describe('chat on a DeepNorm (ChatGLM-6B-style) model', () => {
  let session: Session;
  beforeAll(async () => {
    session = await openSession(await loadModel('tiny-random'), { cacheCapacity: 256 });
  });
  afterAll(async () => session?.close());

  it('uses the chatglm-6b format and fills the [gMASK] blank as fillBlanks does', async () => {
    const history = new ChatHistory();
    history.add({ user: 'hi', assistant: 'hello' });
    let streamed = '';
    const gen = chat(session, history, 'how are you?', { maxNewTokens: 12, sampling: GREEDY });
    let step = await gen.next();
    for (; !step.done; step = await gen.next()) streamed += step.value.text;
    expect(step.value.template).toBe('chatglm-6b');
    const prompt = '[Round 0]\n问：hi\n答：hello\n[Round 1]\n问：how are you?\n答：[gMASK]';
    const promptIds = session.model.tokenizer.encode(prompt);
    const filled = await fillBlanks(session, prompt, { outSeqLength: promptIds.length + 1 + 12, strategy: { kind: 'sampling', ...GREEDY } });
    expect(filled.beams[0]!.blanks[0]!.length).toBeGreaterThan(0);
    expect(step.value.reply).toBe(filled.beams[0]!.blanks[0]);
    expect(streamed).toBe(step.value.reply);

    const ids = chatPrompt('chatglm-6b', session.model.tokenizer, new ChatHistory(), 'x');
    const special = session.model.tokenizer.special;
    const common = { rotary: session.model.config.rotary, special, endTokens: [special.eop, special.eos], sampling: GREEDY, maxNewTokens: 12, capacity: 256 };
    const blank = await generateReply(session.modelSession, ids, { kind: 'blank', ...common });
    const causal = await generateReply(session.modelSession, ids, { kind: 'causal', ...common });
    expect(causal.tokens).not.toEqual(blank.tokens);
  });
});
