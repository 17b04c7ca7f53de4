/** Where a report came from: the SDK's version (package.json) and git commit (read from .git, no git process). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../core/package-root.js';

export function sdkVersion(root = packageRoot()): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The commit checked out at `root`, from .git/HEAD (a ref, loose or packed, or a detached hash); "unknown" otherwise. */
export function gitCommit(root = packageRoot()): string {
  try {
    const git = join(root, '.git');
    if (!existsSync(git) || !statSync(git).isDirectory()) return 'unknown';
    const head = readFileSync(join(git, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
    if (!ref) return 'unknown';
    const loose = join(git, ref);
    if (existsSync(loose)) {
      const hash = readFileSync(loose, 'utf8').trim();
      return /^[0-9a-f]{40}$/.test(hash) ? hash : 'unknown';
    }
    const packed = join(git, 'packed-refs');
    if (existsSync(packed)) {
      for (const l of readFileSync(packed, 'utf8').split('\n')) {
        const [hash, name] = l.split(' ');
        if (name === ref && hash && /^[0-9a-f]{40}$/.test(hash)) return hash;
      }
    }
    return 'unknown';
  } catch {
    return 'unknown';
  }
}
