/**
 * docs/api.md's examples are programs: each runs against the built package (dist/, the shipped
 * glm-tiny, cpu-ref) and checks its own claims with node:assert, so a doc that drifts from the API
 * fails here.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extractExamples, projectLinkedTo, runExample } from './doc-examples.js';

const root = resolve(import.meta.dirname, '..', '..');
const examples = extractExamples(readFileSync(join(root, 'docs', 'api.md'), 'utf8'));
const project = projectLinkedTo(root);
// Its node_modules/glm-sdk is a link: rmSync removes the link, never the checkout.
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('docs/api.md examples', () => {
  it('has the examples the issue asks for', () => {
    expect(examples.map((e) => e.name)).toEqual(expect.arrayContaining(['streaming', 'cancellation', 'custom sampling strategy']));
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  for (const example of examples) {
    it(`runs "${example.name}"`, () => {
      const r = runExample(project, example);
      expect(r.stderr).not.toMatch(/Error|assert/);
      expect(r.status, r.stderr).toBe(0);
    }, 60_000);
  }

  // Mutations: the harness must fail an example that breaks, in each way one can.
  it('fails a broken example: a wrong assertion, a renamed export, a throw', () => {
    const broken = [
      "import assert from 'node:assert/strict';\nimport { loadModel } from 'glm-sdk';\nassert.equal(typeof loadModel, 'string');\n",
      "import { fillBlankz } from 'glm-sdk';\nconsole.log(fillBlankz);\n",
      "import { openSession, loadModel } from 'glm-sdk';\nawait openSession(await loadModel('tiny-random'), { backend: 'no-such-backend' });\n",
    ];
    for (const [i, code] of broken.entries()) expect(runExample(project, { name: `broken-${i}`, code }).status).not.toBe(0);
    expect(extractExamples('```js\n// example: x\nconsole.log(1)\n```\n```js\nconsole.log(2)\n```\n').map((e) => e.name)).toEqual(['x']);
  }, 60_000);
});
