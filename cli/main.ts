/** The `glm` command: dispatch, and the one place errors become a line of text and an exit code. */
import { exitCodeOf, GlmError, isGlmError } from '../core/errors.js';
import { backendsCommand, BACKENDS_HELP } from './backends-command.js';
import { runCommand, RUN_HELP } from './run-command.js';
import { opsCommand, OPS_HELP } from './ops-command.js';
import { evaluateCommand, EVALUATE_HELP } from './evaluate-command.js';
import { conformanceCommand, CONFORMANCE_HELP } from './conformance-command.js';
import { exportCommand, EXPORT_HELP } from './export-command.js';
import { benchCommand, BENCH_HELP } from './bench-command.js';
import { newBackendCommand, NEW_BACKEND_HELP } from './new-backend-command.js';
import { convertCommand, CONVERT_HELP } from './convert-command.js';
import { chatCommand, CHAT_HELP } from './chat-command.js';
import { explanationOf } from './explain.js';

const COMMANDS: Record<string, { run: (args: string[]) => Promise<number>; summary: string; help: string }> = {
  run: { run: runCommand, summary: 'generate text, filling [MASK]/[sMASK]/[gMASK] blanks', help: RUN_HELP },
  chat: { run: chatCommand, summary: 'talk with a GLM-family model: streamed replies, history, each family\'s chat format', help: CHAT_HELP },
  backends: { run: backendsCommand, summary: 'list backends, available or not and why', help: BACKENDS_HELP },
  evaluate: { run: evaluateCommand, summary: 'run evaluation tasks (YAML): Accuracy, EM, F1, perplexity', help: EVALUATE_HELP },
  conformance: { run: conformanceCommand, summary: 'check a backend against the CPU reference (reports: JSON, JUnit, Markdown)', help: CONFORMANCE_HELP },
  ops: { run: opsCommand, summary: 'list the IR ops (--markdown: the reference of docs/ops.md)', help: OPS_HELP },
  bench: { run: benchCommand, summary: 'model one GLM-130B layer on a backend (--backend sunway: SW26010-Pro, from the emulator\'s counts)', help: BENCH_HELP },
  export: { run: exportCommand, summary: 'write a tree that runs generation on a Sunway node without Node.js (--backend sunway)', help: EXPORT_HELP },
  convert: { run: convertCommand, summary: 'convert SAT (model-parallel .pt) or Hugging Face ChatGLM checkpoints to a model folder, safely', help: CONVERT_HELP },
  'new-backend': { run: newBackendCommand, summary: 'write a standalone backend plugin package to start from (the skeleton, conformance script, CI)', help: NEW_BACKEND_HELP },
};

const MAIN_HELP = `Usage: glm <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`)
  .join('\n')}

Run "glm <command> --help" for a command's options.
Exit codes (every error is one line on stderr, "glm: error: …"; --explain adds its details):
  0   ok
  1   conformance: a case failed, passed unexpectedly or regressed against --baseline
  2   usage: unknown command or flag, a value out of its range, an output path that exists
      (--overwrite) or whose folder is missing or not writable
  3   bad input: unreadable or malformed file (model, checkpoint, task YAML, dataset, prompt
      file, invalid UTF-8 with its line and byte offset), a prompt longer than the context
  4   shape or dtype mismatch in a graph
  5   unsupported: the backend cannot run the model (strict mode; --allow-cpu-fallback)
  6   backend unavailable or failed
  7   resources: out of memory or disk, limits exceeded
  70  internal error: a bug in glm-sdk (GLM_DEBUG=1 shows the stack)`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new GlmError('usage', `unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
  return command.run(rest);
}

/** An error is one line on stderr, whatever its message holds. */
function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' ');
}

export async function runCli(argv: string[]): Promise<void> {
  let code: number;
  try {
    code = await main(argv);
  } catch (e) {
    // By brand, not instanceof: a plugin's GlmError comes from its own copy of the SDK.
    if (isGlmError(e)) {
      console.error(`glm: error: ${oneLine(e.message)}`);
      if (argv.includes('--explain')) for (const line of explanationOf(e) ?? []) console.error(`glm:   ${line}`);
      code = exitCodeOf(e);
    } else {
      console.error(`glm: internal error: ${oneLine(String((e as Error)?.message ?? e))} (this is a bug; GLM_DEBUG=1 shows the stack)`);
      if (process.env['GLM_DEBUG']) console.error(e);
      code = 70;
    }
  }
  process.exitCode = code;
}
