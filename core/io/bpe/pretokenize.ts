/**
 * GLM-4's pre-tokenizer: the regex of THUDM's glm-4 tokenization_chatglm.py (cl100k's), which tiktoken
 * runs with Rust's fancy-regex. Written for JavaScript's engine with the same meaning:
 * - `(?i:'s|'t|…)` has no JavaScript spelling (no inline flags in Node 20): each letter becomes its
 *   Unicode simple case-fold class, which for s includes U+017F (ſ), as Rust's (?i) does.
 * - `\s` is Rust's Unicode White_Space, not JavaScript's \s (which adds U+FEFF and lacks U+0085).
 * Both engines pick the first alternative that matches at the leftmost position (backtracking), so
 * the pieces are the same.
 */
const WS = '\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const S = `[${WS}]`;
const NOT_S = `[^${WS}]`;

const CONTRACTION = "'(?:[sS\\u017F]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])";

export const GLM4_PATTERN = new RegExp(
  [
    CONTRACTION,
    '[^\\r\\n\\p{L}\\p{N}]?\\p{L}+',
    '\\p{N}{1,3}',
    ` ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*`,
    `${S}*[\\r\\n]+`,
    `${S}+(?!${NOT_S})`,
    `${S}+`,
  ].join('|'),
  'gu',
);

/** The pieces BPE runs on, in order; together they are the whole text. */
export function pretokenize(text: string): string[] {
  return Array.from(text.matchAll(GLM4_PATTERN), (m) => m[0]);
}
