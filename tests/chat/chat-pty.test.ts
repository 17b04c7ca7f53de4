/**
 * `glm chat` under a real pseudo-terminal (tests/chat/pty_chat.py, python3's pty module): a tiny
 * GLM-4-style model (pre-norm block, random weights, the GLM-4 BPE tokenizer trained here) streams a
 * reply; Ctrl-C during the second reply stops it and the chat goes on; the third turn's prompt (shown
 * by --show-prompt) holds both earlier turns, the interrupted one with the part that was generated;
 * Ctrl-D at the prompt exits with status 0.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGlm4Model } from './tiny-glm4-model.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DRIVER = fileURLToPath(new URL('./pty_chat.py', import.meta.url));

interface Transcript {
  turn1: string;
  turn2: string;
  turn3: string;
  all: string;
  exit: number | null;
}

/** The prompts --show-prompt printed, decoded from their JSON strings. */
function prompts(screen: string): string[] {
  return [...screen.matchAll(/glm: prompt \(\d+ tokens\): ("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]!) as string);
}

describe('glm chat in a terminal', () => {
  let folder: string;
  let t: Transcript;
  beforeAll(async () => {
    // Wide enough that a reply takes a second or more on cpu-ref, so Ctrl-C lands inside it.
    folder = await writeTinyGlm4Model(7, { hiddenSize: 256, ffnHiddenSize: 512, numLayers: 4 });
    const { stdout } = await promisify(execFile)('python3', [DRIVER, ROOT, '--model', folder, '--top-k', '1', '--max-new-tokens', '200', '--show-prompt'], { timeout: 90_000, maxBuffer: 1 << 24 });
    t = JSON.parse(stdout) as Transcript;
  }, 120_000);
  afterAll(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('streams the first reply and says where it came from', () => {
    expect(t.turn1).toContain('chat format glm-4');
    expect(t.turn1).toContain('results from the CPU reference');
    const reply = t.turn1.split('GLM> ')[1]!.split('\r\n')[0]!;
    expect(reply.length).toBeGreaterThan(0);
  });

  it('Ctrl-C stops the second reply and the chat goes on', () => {
    const second = t.turn2.slice(t.turn1.length);
    expect(second).toContain('reply stopped (Ctrl-C); kept in the history (2 turn(s))');
    expect(second).toContain('用户> ');
  });

  it('the third prompt holds both earlier turns, the interrupted reply as far as it got', () => {
    const shown = prompts(t.turn3);
    expect(shown).toHaveLength(3);
    const [first, second, third] = shown as [string, string, string];
    expect(first).toBe('[gMASK][sop]<|user|>\nHello there<|assistant|>');
    // Turn 1 as the user saw it: the streamed reply is the history's assistant message.
    const streamed = t.turn1.split('GLM> ')[1]!.split('\r\n')[0]!;
    expect(second.startsWith(`[gMASK][sop]<|user|>\nHello there<|assistant|>\n${streamed}<|user|>\nsecond question<|assistant|>`)).toBe(true);
    const partial = third.slice(second.length).match(/^\n([\s\S]*)<\|user\|>\nthird<\|assistant\|>$/);
    expect(third.startsWith(second)).toBe(true);
    expect(partial?.[1]?.length ?? 0).toBeGreaterThan(0);
  });

  it('Ctrl-D at the prompt exits with status 0', () => {
    expect(t.exit).toBe(0);
  });
});
