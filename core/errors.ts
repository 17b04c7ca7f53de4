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

export class GlmError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GlmError';
    this.kind = kind;
  }
  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}
