/** The release's metrics: Accuracy, SQuAD-style EM and F1 (×100), perplexity per whitespace word. */

/** SQuAD normalisation: lower case, no punctuation, no articles, single spaces. */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
}

export function exactMatch(prediction: string, targets: readonly string[]): number {
  return targets.some((t) => normalizeAnswer(t) === normalizeAnswer(prediction)) ? 100 : 0;
}

function f1Against(prediction: string, target: string): number {
  const p = normalizeAnswer(prediction).split(' ').filter(Boolean);
  const t = normalizeAnswer(target).split(' ').filter(Boolean);
  if (p.length === 0 || t.length === 0) return p.length === t.length ? 100 : 0;
  const counts = new Map<string, number>();
  for (const w of t) counts.set(w, (counts.get(w) ?? 0) + 1);
  let common = 0;
  for (const w of p) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      common++;
      counts.set(w, c - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / p.length;
  const recall = common / t.length;
  return (200 * precision * recall) / (precision + recall);
}

export function f1Score(prediction: string, targets: readonly string[]): number {
  return Math.max(...targets.map((t) => f1Against(prediction, t)));
}

/** exp(min(20, loss / words)): the release caps the exponent at 20. */
export function perplexity(totalLoss: number, words: number): number {
  return Math.exp(Math.min(20, totalLoss / Math.max(words, 1)));
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
