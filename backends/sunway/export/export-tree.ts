/**
 * `glm export --backend sunway`: a self-contained tree for a Sunway node, where Node.js is not assumed —
 * the launch plans (plan-file.ts), the weights, the prompt as token ids, the CPE kernels, the MPE
 * runner and the program runtime's record reader as sources, the generated code headers, the
 * generation program (generate.c) and a Makefile for swgcc, with a target that builds the very same
 * sources with gcc against the athread emulator (copied along) to check the tree without a Sunway.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendSourceFolder } from '../../program/load-addon.js';

/** The prompt as generate.c reads it (prompt.txt): the prefill row and the rule of later positions. */
export interface ExportPrompt {
  readonly tokens: readonly number[];
  readonly positions: readonly number[];
  /** 2-D rotary only. */
  readonly blockPositions?: readonly number[];
  readonly contextLength: number;
  readonly maskIndex: number;
  /** 1-D [gMASK]: generated tokens keep counting positions instead of sitting at the mask. */
  readonly continues: boolean;
  readonly endTokens: readonly number[];
  readonly outSeqLength: number;
  readonly vocabSize: number;
}

/** A weight as the model holds it: raw little-endian storage of its dtype (f16/bf16 as bits, i4 packed). */
export interface ExportWeight {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: ArrayBufferView;
}

export interface ExportTree {
  readonly out: string;
  readonly plans: { readonly prefill: string; readonly decode: string };
  readonly weights: ReadonlyMap<string, ExportWeight>;
  readonly prompt: ExportPrompt;
  /** What README.txt says about where this came from. */
  readonly description: string;
}

const sunwayDir = backendSourceFolder(new URL('../index.js', import.meta.url).href);
const programDir = join(sunwayDir, '..', 'program', 'native');
const exportDir = join(sunwayDir, 'export');

/** Files of `dir` (not folders) whose names match, copied into `to`. */
function copyFiles(dir: string, to: string, match: RegExp = /./): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && match.test(entry.name)) copyFileSync(join(dir, entry.name), join(to, entry.name));
  }
}

function copySources(out: string): void {
  copyFiles(join(sunwayDir, 'kernels'), join(out, 'src', 'kernels'), /\.(c|h)$/);
  copyFiles(join(sunwayDir, 'runner'), join(out, 'src', 'runner'), /\.(cpp|h)$/);
  copyFiles(join(sunwayDir, 'runner', 'launchers'), join(out, 'src', 'runner', 'launchers'), /\.(cpp|h)$/);
  const program = ['program.h', 'program.cpp', 'device.h', 'dtypes.h', 'named_code.h'];
  mkdirSync(join(out, 'src', 'program'), { recursive: true });
  for (const f of program) copyFileSync(join(programDir, f), join(out, 'src', 'program', f));
  // sw_compat.h goes with the sources on a real node too; the rest of the emulator only for `make emulator`.
  mkdirSync(join(out, 'include'), { recursive: true });
  copyFileSync(join(sunwayDir, 'emulator', 'include', 'sw_compat.h'), join(out, 'include', 'sw_compat.h'));
  copyFiles(join(sunwayDir, 'emulator', 'include'), join(out, 'emulator', 'include'), /\.h$/);
  copyFiles(join(sunwayDir, 'emulator', 'src'), join(out, 'emulator', 'src'), /\.(c|h)$/);
  for (const f of ['generate.c', 'Makefile']) copyFileSync(join(exportDir, f), join(out, f));
  // The launch codes, generated from the same TypeScript table as the addon's (no Node.js on the node).
  execFileSync(process.execPath, [join(sunwayDir, 'runner', 'gen-launch-codes.mjs'), join(out, 'src', 'generated')], { stdio: 'pipe' });
}

function writeWeights(out: string, weights: ReadonlyMap<string, ExportWeight>): void {
  const dir = join(out, 'weights');
  mkdirSync(dir, { recursive: true });
  const index: string[] = [];
  for (const [name, t] of weights) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    writeFileSync(join(dir, `${name}.bin`), bytes);
    index.push(`${name} ${t.dtype} ${bytes.byteLength} ${t.shape.join('x')}`);
  }
  writeFileSync(join(dir, 'index.txt'), index.join('\n') + '\n');
}

function promptText(p: ExportPrompt): string {
  const list = (xs: readonly number[]) => `${xs.length}${xs.map((x) => ` ${x}`).join('')}`;
  return [
    'glm-sunway-prompt 1',
    `tokens ${list(p.tokens)}`,
    `positions ${list(p.positions)}`,
    `block_positions ${list(p.blockPositions ?? [])}`,
    `context_length ${p.contextLength}`,
    `rule ${p.continues ? 1 : 0} ${p.maskIndex} ${p.blockPositions ? 2 : 1}`,
    `end_tokens ${list(p.endTokens)}`,
    `out_seq_length ${p.outSeqLength}`,
    `vocab_size ${p.vocabSize}`,
    '',
  ].join('\n');
}

export function writeExportTree(tree: ExportTree): void {
  const { out } = tree;
  mkdirSync(join(out, 'plan'), { recursive: true });
  writeFileSync(join(out, 'plan', 'prefill.plan'), tree.plans.prefill);
  writeFileSync(join(out, 'plan', 'decode.plan'), tree.plans.decode);
  writeWeights(out, tree.weights);
  writeFileSync(join(out, 'prompt.txt'), promptText(tree.prompt));
  copySources(out);
  writeFileSync(join(out, 'README.txt'), `${tree.description}\n\nBuild and run: see the comments at the top of the Makefile (and docs/backends/sunway.md of glm-sdk).\n`);
}
