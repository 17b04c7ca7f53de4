/** nativeGate: skip with a reason on a fresh clone, fail instead under GLM_REQUIRE_NATIVE=1. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nativeGate } from './native.js';

const saved = process.env['GLM_REQUIRE_NATIVE'];
afterEach(() => {
  if (saved === undefined) delete process.env['GLM_REQUIRE_NATIVE'];
  else process.env['GLM_REQUIRE_NATIVE'] = saved;
  vi.restoreAllMocks();
});

function gate(why: string | undefined) {
  const registered: Array<{ name: string; body: () => void }> = [];
  const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
  const skip = nativeGate('demo addon', why, (name, body) => registered.push({ name, body }));
  return { skip, registered, printed: info.mock.calls.map((c) => String(c[0])) };
}

describe('nativeGate', () => {
  it('runs the tests when the build is present, whatever GLM_REQUIRE_NATIVE says', () => {
    for (const env of [undefined, '1']) {
      if (env === undefined) delete process.env['GLM_REQUIRE_NATIVE'];
      else process.env['GLM_REQUIRE_NATIVE'] = env;
      const g = gate(undefined);
      expect(g.skip).toBe(false);
      expect(g.registered).toEqual([]);
      expect(g.printed).toEqual([]);
    }
  });

  it('skips with the printed reason when the build is absent', () => {
    delete process.env['GLM_REQUIRE_NATIVE'];
    const g = gate('no build/demo.node (npm run build:demo)');
    expect(g.skip).toBe(true);
    expect(g.registered).toEqual([]);
    expect(g.printed).toEqual(['demo addon tests skipped — no build/demo.node (npm run build:demo)']);
  });

  it('turns the skip into a failing test under GLM_REQUIRE_NATIVE=1', () => {
    process.env['GLM_REQUIRE_NATIVE'] = '1';
    const g = gate('no build/demo.node');
    expect(g.skip).toBe(true);
    expect(g.registered).toHaveLength(1);
    expect(g.registered[0]!.name).toContain('GLM_REQUIRE_NATIVE=1');
    expect(() => g.registered[0]!.body()).toThrow(/demo addon tests would be skipped.*no build\/demo\.node/);
  });

  it('treats any other value as not required (only "1" turns it on)', () => {
    process.env['GLM_REQUIRE_NATIVE'] = '0';
    expect(gate('absent').registered).toEqual([]);
  });
});
