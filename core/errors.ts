/**
 * Every error the SDK raises on purpose is a GlmError: one line of text for the user and the exit
 * code the `glm` command returns for it. Anything else reaching the CLI is a bug in the SDK.
 */
export type ErrorKind =
  | 'usage' // bad flags or arguments
  | 'input' // malformed file, prompt, YAML, checkpoint
  | 'shape' // shape or dtype mismatch in a graph
  | 'unsupported' // a backend cannot run something and nothing makes it runnable
  | 'backend' // a backend is unavailable, failed to load, or failed at run time
  | 'resource'; // out of memory, limits exceeded

const EXIT_CODES: Record<ErrorKind, number> = {
  usage: 2,
  input: 3,
  shape: 4,
  unsupported: 5,
  backend: 6,
  resource: 7,
};

/**
 * The brand every GlmError carries, from the global symbol registry: two copies of the SDK (the CLI's
 * and the one a plugin package installed for itself) make two GlmError classes, so `instanceof` fails
 * across them, but `Symbol.for` gives both the same symbol.
 */
export const GLM_ERROR_BRAND: unique symbol = Symbol.for('glm-sdk.error') as never;

export class GlmError extends Error {
  readonly kind: ErrorKind;
  /** Stable across SDK copies and versions: the error's kind, what `isGlmError` callers switch on. */
  readonly code: ErrorKind;
  readonly [GLM_ERROR_BRAND] = true;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GlmError';
    this.kind = kind;
    this.code = kind;
  }
  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

/** What an error from any copy of the SDK is known to have once `isGlmError` said yes. */
export interface GlmErrorLike extends Error {
  readonly code: ErrorKind;
  readonly [GLM_ERROR_BRAND]: true;
}

/**
 * True for a GlmError from this or any other copy of glm-sdk (a plugin's own install, a newer
 * version): branded, with a known kind as its code and a message. Use it, not `instanceof`, on
 * errors that may come from a plugin.
 */
export function isGlmError(e: unknown): e is GlmErrorLike {
  if (typeof e !== 'object' || e === null) return false;
  const candidate = e as { [GLM_ERROR_BRAND]?: unknown; code?: unknown; message?: unknown };
  return candidate[GLM_ERROR_BRAND] === true && typeof candidate.code === 'string' && Object.hasOwn(EXIT_CODES, candidate.code) && typeof candidate.message === 'string';
}

/** The `glm` command's exit code for an error of any SDK copy (its kind's code; 70 = not a GlmError, a bug). */
export function exitCodeOf(e: unknown): number {
  return isGlmError(e) ? EXIT_CODES[e.code] : 70;
}
