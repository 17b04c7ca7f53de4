/** Turns node:util parseArgs errors into one-line usage errors that point at the command's help. */
import { GlmError } from '../core/errors.js';

export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

export function withUsageErrors<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    const message = (e as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '');
    throw new GlmError('usage', `glm ${command}: ${message} (see glm ${command} --help)`);
  }
}
