/**
 * The one gate for tests that need a native build (an emulator addon, a compiled emulator): on a
 * fresh clone without nvcc, hipcc or cmake they skip, saying why; in CI (GLM_REQUIRE_NATIVE=1, set
 * by .ci/run, which builds every part first) a would-be skip is a failing test instead, so a build
 * that silently went missing cannot turn the suite green.
 */
import { it } from 'vitest';

/** What registers the failing test in place of a skip (vitest's `it`; a test passes its own). */
export type RegisterTest = (name: string, body: () => void) => void;

export function nativeRequired(): boolean {
  return process.env['GLM_REQUIRE_NATIVE'] === '1';
}

/**
 * `name`: what needs the build ("cuda emulator"); `why`: the reason it is absent, or undefined when
 * it is there. Returns true when the caller must skip its native tests (`describe.skipIf(skip)`).
 */
export function nativeGate(name: string, why: string | undefined, register: RegisterTest = it): boolean {
  if (why === undefined) return false;
  if (nativeRequired()) {
    register(`${name}: native build present (GLM_REQUIRE_NATIVE=1)`, () => {
      throw new Error(`${name} tests would be skipped, but GLM_REQUIRE_NATIVE=1 requires them: ${why}`);
    });
  } else {
    console.info(`${name} tests skipped — ${why}`);
  }
  return true;
}
