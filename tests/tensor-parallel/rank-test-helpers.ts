/**
 * What the tensor-parallel rank tests (ascend-ranks, simt-ranks, emulated-collective) share: the
 * emulator switches set for the file, the gate on the native build they need, and a refusal's message.
 */
import { existsSync } from 'node:fs';
import { afterAll, expect } from 'vitest';
import { isGlmError } from '../../core/errors.js';
import { nativeGate } from '../support/native.js';

/**
 * Sets the variables for this test file and takes them away after it. Call it before the backends
 * are imported (`await import(...)` after the call): they read the switches when they load.
 */
export function emulatorEnv(vars: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(vars)) process.env[name] = value;
  afterAll(() => {
    for (const name of Object.keys(vars)) delete process.env[name];
  });
}

/** nativeGate on build outputs: skip (or, in CI, fail) naming the first missing file and the command that builds it. */
export function gateOnBuild(what: string, files: readonly string[], build: string): boolean {
  const missing = files.find((f) => !existsSync(f));
  return nativeGate(what, missing === undefined ? undefined : `no ${missing} (${build})`);
}

/** The message of the 'unsupported' GlmError that `f` throws; a test failure if it throws none. */
export function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(isGlmError(e) && e.code).toBe('unsupported');
    return (e as Error).message;
  }
  throw new Error('not refused');
}
