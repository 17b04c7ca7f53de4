/**
 * One run with its small host transfers: the executable's own runStep when it has one (a single
 * wait for the device), else write through BackendMemory, run, and read back.
 */
import { byteLengthOf } from '../tensor/dtype.js';
import { elementCount } from '../tensor/host-tensor.js';
import { GlmError } from '../errors.js';
import type { BackendMemory, Executable, RunBindings, StepTransfers } from './plugin-contract.js';

export async function runStep(
  memory: BackendMemory,
  executable: Executable,
  bindings: RunBindings,
  transfers: StepTransfers,
): Promise<Record<string, Uint8Array>> {
  for (const [name, bytes] of Object.entries(transfers.write)) {
    const t = bindings.inputs[name];
    if (!t) throw new GlmError('usage', `step writes "${name}", which is not a bound input`);
    const length = byteLengthOf(t.dtype, elementCount(t.shape));
    if (bytes.byteLength !== length) throw new GlmError('usage', `step writes ${bytes.byteLength} bytes into "${name}", which holds ${length}`);
  }
  for (const name of transfers.read) if (!bindings.outputs[name]) throw new GlmError('usage', `step reads "${name}", which is not a bound output`);
  if (executable.runStep) return executable.runStep(bindings, transfers);
  return runStepThroughMemory(memory, executable, bindings, transfers);
}

/** The step as separate writes, a run and reads (for executables without their own runStep). */
export async function runStepThroughMemory(
  memory: BackendMemory,
  executable: Executable,
  bindings: RunBindings,
  transfers: StepTransfers,
): Promise<Record<string, Uint8Array>> {
  for (const [name, bytes] of Object.entries(transfers.write)) {
    const t = bindings.inputs[name]!;
    if (bytes.byteLength > 0) await memory.write(t.buffer, t.byteOffset, bytes);
  }
  await executable.run(bindings);
  const out: Record<string, Uint8Array> = {};
  for (const name of transfers.read) {
    const t = bindings.outputs[name]!;
    out[name] = await memory.read(t.buffer, t.byteOffset, byteLengthOf(t.dtype, elementCount(t.shape)));
  }
  return out;
}
