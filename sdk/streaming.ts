/**
 * What generate and chat share to stream tokens: text handed out as it settles, and the queue between
 * the generation (which runs ahead, pushing tokens as it goes) and the caller's async iterator.
 */

/** Text handed out piece by piece as it settles: a trailing U+FFFD is a character still incomplete, held back. */
export class StreamedText {
  readonly ids: number[] = [];
  private emitted = 0;
  constructor(private readonly decode: (ids: number[]) => string) {}

  add(id: number): string {
    this.ids.push(id);
    const text = this.decode(this.ids);
    const settled = text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
    const piece = settled.slice(this.emitted);
    this.emitted = Math.max(this.emitted, settled.length);
    return piece;
  }
}

/**
 * Items pushed by a producer and drained by one consumer. Generation may run ahead of a slow
 * consumer; once the caller's signal aborts, nothing more is handed out.
 */
export class TokenQueue<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private finished = false;

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  /** The producer is done (settled either way): the drain ends once the queue is empty. */
  finish(): void {
    this.finished = true;
    this.wake?.();
  }

  async *drain(signal: AbortSignal | undefined): AsyncGenerator<T, void> {
    for (;;) {
      while (this.items.length > 0) {
        signal?.throwIfAborted();
        yield this.items.shift()!;
      }
      signal?.throwIfAborted();
      if (this.finished) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
