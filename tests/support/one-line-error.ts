/** What every `glm` failure must look like: the exit code, exactly one stderr line "glm: error: …", no stack trace. */
import { expect } from 'vitest';

export function expectOneLineError(r: { code: number | null; stderr: string }, code: number, text: string): void {
  expect(r.code).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^glm: error: /);
  expect(lines[0]).toContain(text);
}
