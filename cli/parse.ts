/**
 * Command-line parsing shared by every command: node:util parseArgs errors become one-line usage
 * errors that point at the command's help, and the argument vector is normalised first so that
 * the release's spellings work (`--top_k 5` is `--top-k 5`) and negative numbers are values
 * (`--seed -1` reaches the range check, which says what is allowed, instead of parseArgs'
 * "argument is ambiguous").
 */
import { GlmError } from '../core/errors.js';

export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

type OptionTable = Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>;

/** A value parseArgs would take for an option because it starts with "-": a negative number. */
const NEGATIVE_NUMBER = /^-(?:\d|\.\d|inf(?:inity)?$|nan$)/i;

/**
 * The release's underscore spellings become the dashed names (`--top_k` → `--top-k`,
 * `--out_seq_length=9` → `--out-seq-length=9`) when the dashed name is an option; a string option
 * followed by a negative number takes it as its value. Everything after "--" is left alone.
 */
export function normalizeArgs(args: readonly string[], options: OptionTable): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (!arg.startsWith('--')) {
      out.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const given = arg.slice(2, eq < 0 ? undefined : eq);
    const dashed = given.replace(/_/g, '-');
    const name = !(given in options) && dashed in options ? dashed : given;
    const rest = eq < 0 ? '' : arg.slice(eq);
    const next = args[i + 1];
    if (eq < 0 && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else {
      out.push(`--${name}${rest}`);
    }
  }
  return out;
}

/** parseArgs' "argument is ambiguous" (a value that starts with "-"), said plainly. */
function plainMessage(message: string): string {
  const ambiguous = /^Option '(-[^']+)' argument is ambiguous/.exec(message);
  if (ambiguous) {
    const flag = /use '(--[^=']+)=-XYZ'/.exec(message)?.[1] ?? ambiguous[1]!;
    return `${flag} needs a value; a value that starts with "-" must be written ${flag}=VALUE`;
  }
  const missing = /^Option '(-[^' ]+)(?:, (--[^' ]+))? <value>' argument missing/.exec(message);
  if (missing) return `${missing[2] ?? missing[1]} needs a value`;
  return message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '');
}

export function withUsageErrors<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new GlmError('usage', `glm ${command}: ${plainMessage((e as Error).message)} (see glm ${command} --help)`);
  }
}
