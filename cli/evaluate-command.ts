/** `glm evaluate TASK.yaml|DIR …`: the release's evaluation tasks on any backend. */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { GlmError } from '../core/errors.js';
import { writeTextFileAtomic } from '../core/io/atomic-write.js';
import { runTask, type TaskProgress, type TaskResult } from '../core/evaluate/run-task.js';
import { loadTasks } from '../sdk/evaluate.js';
import { openModelSession } from './open-session.js';
import { dtypeOption } from './options.js';
import { HELP_OPTION, normalizeArgs, withUsageErrors } from './parse.js';
import { checkOutputFile } from './output-paths.js';
import { evaluateJournalPath, JOURNAL_HELP, JOURNAL_OPTIONS, openEvaluateJournal } from './evaluate-journal.js';
import { EXPLAIN_HELP, EXPLAIN_OPTION } from './explain.js';
import { loadModel, MODEL_LOAD_HELP, MODEL_LOAD_OPTIONS, quantizationBitWidth } from './load-model-option.js';
import { launchFromEnvironment } from '../core/evaluate/data-parallel/launcher-env.js';
import { evaluateDataParallel, runIdentity } from '../core/evaluate/data-parallel/evaluate-share.js';

export const EVALUATE_HELP = `Usage: glm evaluate TASK.yaml|DIR … [options]

Runs evaluation tasks (the release's YAML format; folders are searched recursively):
  type mul (multiple choice: Accuracy), gen (generation: EM, F1), lm (perplexity per word).
Prints each data file's metric and, per group, max / median / sample-weighted average.

Options:
  --backend NAME|PATH     cpu-ref (default), a built-in, ./my-plugin.js or a package
  --model default|FOLDER  the model (default: the built-in default)
  --dtype f32|f16|bf16    storage dtype (default f32)
  --allow-cpu-fallback    run the nodes the backend cannot run on cpu-ref (printed)
  --json FILE             also write the results as JSON
${JOURNAL_HELP}
  --data-parallel         one rank of a data-parallel run started by srun, mpirun or torchrun
                          (rank, world size and MASTER_ADDR:MASTER_PORT from their environment);
                          rank 0 prints and writes the merged results (docs/tensor-parallel.md)
${MODEL_LOAD_HELP}
  --overwrite             replace an existing --json file (refused without it)
${EXPLAIN_HELP}
  -h, --help              this text`;

const EVALUATE_OPTIONS = {
  backend: { type: 'string' },
  model: { type: 'string' },
  dtype: { type: 'string' },
  json: { type: 'string' },
  overwrite: { type: 'boolean' },
  ...JOURNAL_OPTIONS,
  'allow-cpu-fallback': { type: 'boolean' },
  'data-parallel': { type: 'boolean' },
  ...EXPLAIN_OPTION,
  ...MODEL_LOAD_OPTIONS,
} as const;

function progressBar(): TaskProgress {
  if (!process.stderr.isTTY) return { start() {}, tick() {}, stop() {} };
  const bar = new SingleBar({ format: '  {label} [{bar}] {value}/{total} samples, eta {eta}s', stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  return {
    start: (total, label) => bar.start(total, 0, { label }),
    tick: () => bar.increment(),
    stop: () => bar.stop(),
  };
}

export async function evaluateCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = withUsageErrors('evaluate', () =>
    parseArgs({
      args: normalizeArgs(args, EVALUATE_OPTIONS),
      options: { ...EVALUATE_OPTIONS, ...HELP_OPTION },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (v.help) return console.log(EVALUATE_HELP), 0;
  if (positionals.length === 0) throw new GlmError('usage', 'glm evaluate needs at least one task YAML file or folder (see glm evaluate --help)');
  const dtype = dtypeOption(v.dtype, 'f32');
  quantizationBitWidth(v['quantization-bit-width']);
  const journalPath = evaluateJournalPath(v, (v as { 'data-parallel'?: boolean })['data-parallel'] === true);
  const launch = v['data-parallel'] === true ? launchFromEnvironment(process.env) : undefined;
  if (v.json !== undefined && (launch?.rank ?? 0) === 0) checkOutputFile('--json', v.json, v.overwrite === true);
  const tasks = await loadTasks(positionals);
  const model = await loadModel(v.model, dtype, v);
  // Each finished sample is kept as it finishes, so an interrupted run continues with --resume.
  const journal = journalPath === undefined ? undefined : openEvaluateJournal(journalPath, { model: model.description, backend: v.backend ?? 'cpu-ref', dtype, tasks }, { resume: v.resume === true, overwrite: v.overwrite === true });
  const opened = await openModelSession(model, v.backend ?? 'cpu-ref', dtype, v['allow-cpu-fallback'] === true);
  const { session } = opened;
  let results: TaskResult[] | undefined = [];
  try {
    if (launch) {
      const runId = runIdentity({ model: model.description, dtype, backend: opened.backend.name }, tasks);
      results = await evaluateDataParallel(session, model.tokenizer, tasks, launch, runId, progressBar(), (line) => console.log(line));
    } else for (const task of tasks) results.push(await runTask(session, model.tokenizer, task, progressBar(), (line) => console.log(line), journal));
  } finally {
    await opened.close();
    journal?.close();
  }
  if (!results) return console.error(`glm: data-parallel rank ${launch!.rank} of ${launch!.worldSize} (${launch!.launcher}): scores sent to rank 0`), 0;
  const where = { backend: opened.backend.name, device: opened.backend.device, execution: opened.backend.execution, ...(session.split ? { cpuFallback: session.split } : {}) };
  if (v.json) await writeTextFileAtomic(v.json, JSON.stringify({ model: model.description, ...where, dtype, results }, null, 1) + '\n');
  // The results are on disk: the default journal (beside --json) has done its work; one named with --journal is the caller's.
  if (v.json && journal && v.journal === undefined) rmSync(journal.path, { force: true });
  return 0;
}
