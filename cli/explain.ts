/**
 * --explain: an error that has a long list behind its one line (the strict-mode refusal: every
 * node the backend cannot run, with its reason) prints the list too. The flag is read by the one
 * place errors are printed (main.ts); commands only declare it.
 */
export const EXPLAIN_OPTION = { explain: { type: 'boolean' } } as const;

export const EXPLAIN_HELP = `  --explain                  on an error with details (a backend refusing nodes), print them all`;

/** The details an error carries for --explain (GlmError subclasses set `details`; any copy of the SDK). */
export function explanationOf(e: unknown): readonly string[] | undefined {
  const details = (e as { details?: unknown } | null)?.details;
  return Array.isArray(details) && details.every((d) => typeof d === 'string') ? details : undefined;
}
