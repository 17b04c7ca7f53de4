/**
 * Whether this machine is a real Sunway environment: swgcc on PATH and the athread headers beside
 * it (../shared/spec/sunway.md §4). Node.js is not assumed on a Sunway node — there, `glm export`'s
 * tree is built with swgcc and run without it (docs/backends/sunway.md) — so this only says what a
 * probe found; the addon this process loads is always the one built here.
 */
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

export interface Toolchain {
  /** swgcc's path, when on PATH. */
  readonly swgcc?: string;
  /** The athread.h found beside it (its include folders), when any. */
  readonly athreadHeader?: string;
}

function onPath(program: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, program))) return join(dir, program);
  }
  return undefined;
}

/** Include folders a swgcc install keeps athread.h in (relative to its bin/), and SW_HOME's. */
function headerCandidates(swgcc: string, env: NodeJS.ProcessEnv): string[] {
  const root = dirname(dirname(swgcc));
  const roots = [root, env['SW_HOME'], '/usr/sw-mpp', '/usr/sw'].filter((r): r is string => !!r);
  return roots.flatMap((r) => ['include', 'swgcc/include', 'sw_64sw6a-sunway-linux-gnu/include'].map((i) => join(r, i, 'athread.h')));
}

export function findToolchain(env: NodeJS.ProcessEnv = process.env): Toolchain {
  const swgcc = onPath('swgcc', env);
  if (!swgcc) return {};
  const athreadHeader = headerCandidates(swgcc, env).find((p) => existsSync(p));
  return athreadHeader ? { swgcc, athreadHeader } : { swgcc };
}

/** What a real Sunway build would still need here, in words. */
export function missingForHardware(t: Toolchain): string {
  if (!t.swgcc) return 'no swgcc on PATH and no athread.h (not a Sunway node)';
  if (!t.athreadHeader) return `swgcc at ${t.swgcc} but no athread.h beside it (set SW_HOME)`;
  return '';
}
