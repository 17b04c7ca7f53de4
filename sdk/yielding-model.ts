/**
 * A model that gives the event loop a turn before each call and then checks the caller's signal.
 * Without it a generation on cpu-ref never leaves the microtask queue, so a timer — the one behind
 * AbortSignal.timeout(ms), or a UI's Stop — could not fire until the whole generation was done.
 */
import type { DecodingModel } from '../core/generate/decoding-model.js';

export function yieldingModel(model: DecodingModel, signal: AbortSignal): DecodingModel {
  const turn = async (): Promise<void> => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal.throwIfAborted();
  };
  const { prefillTop, decodeTop } = model;
  return {
    vocabSize: model.vocabSize,
    prefill: async (rows) => (await turn(), model.prefill(rows)),
    decode: async (step) => (await turn(), model.decode(step)),
    // Only where the model has them: their absence makes the loop read whole rows.
    ...(prefillTop ? { prefillTop: async (rows, k, temperature) => (await turn(), prefillTop.call(model, rows, k, temperature)) } : {}),
    ...(decodeTop ? { decodeTop: async (step, k, temperature) => (await turn(), decodeTop.call(model, step, k, temperature)) } : {}),
  };
}
