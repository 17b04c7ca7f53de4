/**
 * The runnable examples of a Markdown document: every ```js block whose first line is
 * `// example: NAME`. Each runs as its own ES module in a folder where `glm-sdk` resolves to this
 * checkout's built package (a node_modules link to the repository root, as an install would make).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DocExample {
  readonly name: string;
  readonly code: string;
}

export function extractExamples(markdown: string): DocExample[] {
  const examples: DocExample[] = [];
  for (const match of markdown.matchAll(/^```js\n(\/\/ example: ([^\n]+)\n[\s\S]*?)^```$/gm)) {
    examples.push({ name: match[2]!.trim(), code: match[1]! });
  }
  return examples;
}

/** A scratch project whose node_modules/glm-sdk is the package at `packageDir`. */
export function projectLinkedTo(packageDir: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'glm-doc-examples-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(packageDir, join(dir, 'node_modules', 'glm-sdk'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'doc-examples', private: true, type: 'module' }));
  return dir;
}

export interface ExampleRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runExample(project: string, example: DocExample, timeoutMs = 60_000): ExampleRun {
  const file = join(project, `${example.name.replace(/[^a-z0-9]+/gi, '-')}.mjs`);
  writeFileSync(file, example.code);
  const r = spawnSync(process.execPath, [file], { cwd: project, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
