/**
 * The checkpoint-loading progress bar: bytes read, rate and ETA on stderr. Drawn when stderr is a
 * terminal, or always with --progress (then cli-progress redraws without cursor control, for logs).
 */
import { SingleBar } from 'cli-progress';
import type { LoadProgress } from '../core/models/glm/weights-files.js';

const GB = 1e9;

export interface LoadProgressBar {
  readonly onProgress: (p: LoadProgress) => void;
  stop(): void;
}

export function loadProgressBar(what: string, forced: boolean): LoadProgressBar | undefined {
  if (!forced && !process.stderr.isTTY) return undefined;
  const started = performance.now();
  const bar = new SingleBar({
    stream: process.stderr,
    noTTYOutput: forced,
    notTTYSchedule: 1000,
    format: `glm: ${what} [{bar}] {percentage}% | {doneGB}/{totalGB} GB | {rate} GB/s | ETA {eta_formatted}`,
    hideCursor: process.stderr.isTTY === true,
  });
  let begun = false;
  return {
    onProgress({ doneBytes, totalBytes }) {
      const seconds = Math.max((performance.now() - started) / 1000, 1e-6);
      const payload = { doneGB: (doneBytes / GB).toFixed(2), totalGB: (totalBytes / GB).toFixed(2), rate: (doneBytes / GB / seconds).toFixed(2) };
      if (!begun) bar.start(totalBytes, doneBytes, payload), (begun = true);
      else bar.update(doneBytes, payload);
    },
    stop() {
      if (begun) bar.stop();
    },
  };
}
