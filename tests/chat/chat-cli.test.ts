/**
 * `glm chat` bad input: each is one line on stderr and its documented exit code, before any model is
 * loaded where the flag alone decides (usage 2); a missing model folder is input (3). Piped input: one
 * message per line, EOF ends the chat with status 0.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGlm4Model } from './tiny-glm4-model.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const chat = (args: string[], input = '') =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile('node', ['bin/glm.js', 'chat', ...args], { cwd: ROOT }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });

describe('glm chat on bad input and piped input', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await writeTinyGlm4Model(3);
  });
  afterAll(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it.each([
    [['--max-new-tokens', '0'], 2, /--max-new-tokens/],
    [['--template', 'llama'], 2, /--template/],
    [['--top-p', '2'], 2, /--top-p/],
    [['--template', 'chatglm2', '--system', 'x', '--model', '/nonexistent'], 2, /no system role/],
    [['--model', '/nonexistent/folder'], 3, /cannot read model config/],
    [['--bogus'], 2, /bogus/],
  ])('%j → exit %i, one line', async (args, code, message) => {
    const r = await chat(args as string[]);
    expect(r.code).toBe(code);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^glm: error: /);
    expect(lines[0]).toMatch(message as RegExp);
  });

  it('piped: one message per line, replies on stdout, EOF exits 0', async () => {
    const r = await chat(['--model', folder, '--top-k', '1', '--max-new-tokens', '4'], 'one\ntwo\n');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/GLM> /g)).toHaveLength(2);
    expect(r.stderr).toContain('chat format glm-4');
  });
});
