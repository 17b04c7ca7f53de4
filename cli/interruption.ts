/**
 * Ctrl-C and `kill` during a long command (conformance, evaluate): the first SIGINT or SIGTERM aborts
 * the command's AbortSignal, so it stops after the item in progress and writes what it has (a partial
 * report, a journal that --resume continues); a second one exits at once.
 */
import { constants } from 'node:os';

export interface Interruption {
  readonly signal: AbortSignal;
  /** The signal's name once one arrived. */
  received(): NodeJS.Signals | undefined;
  /** 128 + the signal's number (the shell's convention: 130 for SIGINT, 143 for SIGTERM). */
  exitCode(): number;
  dispose(): void;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export function watchInterruption(command: string, finishing: string): Interruption {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (name: NodeJS.Signals) => {
    if (received !== undefined) {
      console.error(`\nglm ${command}: ${name} again — stopping now, nothing more is written`);
      process.exit(128 + constants.signals[name]);
    }
    received = name;
    console.error(`\nglm ${command}: ${name} — ${finishing} (${name} again stops at once)`);
    controller.abort(new Error(`interrupted by ${name}`));
  };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    signal: controller.signal,
    received: () => received,
    exitCode: () => (received === undefined ? 0 : 128 + constants.signals[received]),
    dispose: () => SIGNALS.forEach((s) => process.off(s, handler)),
  };
}
