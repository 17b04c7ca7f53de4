/**
 * A strategy seen from outside while it runs: each step is reported (streaming) and an AbortSignal is
 * checked before each one (cancellation). The wrapped strategy decides exactly as it would alone.
 */
import type { TopLogits } from './decoding-model.js';
import type { FinishedBeam, GenerationStrategy, StrategyStep } from './strategy.js';

export interface StepObserver {
  /** Checked before every step: once aborted, generation stops with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
  /** Called when a generation starts (fillBlanks: once per blank, in the order they are filled). */
  onStart?(prefix: readonly number[]): void;
  /** Called after every step with the tokens it chose (one per live row). */
  onStep?(step: StrategyStep): void;
}

export class ObservedStrategy implements GenerationStrategy {
  readonly stepTop?: (rows: readonly TopLogits[], vocabSize: number) => StrategyStep | undefined;

  constructor(
    private readonly inner: GenerationStrategy,
    private readonly observer: StepObserver,
  ) {
    const stepTop = inner.stepTop?.bind(inner);
    // Only when the inner one has it: its absence tells the loop to read whole rows.
    if (stepTop) {
      this.stepTop = (rows, vocabSize) => {
        this.observer.signal?.throwIfAborted();
        return this.report(stepTop(rows, vocabSize));
      };
    }
  }

  get endTokens(): readonly number[] {
    return this.inner.endTokens;
  }
  get done(): boolean {
    return this.inner.done;
  }
  get candidatesWanted(): number | undefined {
    return this.inner.candidatesWanted;
  }
  get candidatesTemperature(): number | undefined {
    return this.inner.candidatesTemperature;
  }

  start(prefix: readonly number[]): void {
    this.observer.signal?.throwIfAborted();
    this.inner.start(prefix);
    this.observer.onStart?.(prefix);
  }

  step(logits: readonly Float32Array[], vocabSize: number): StrategyStep {
    this.observer.signal?.throwIfAborted();
    return this.report(this.inner.step(logits, vocabSize))!;
  }

  finish(): FinishedBeam[] {
    return this.inner.finish();
  }

  private report(step: StrategyStep | undefined): StrategyStep | undefined {
    if (step) this.observer.onStep?.(step);
    return step;
  }
}
