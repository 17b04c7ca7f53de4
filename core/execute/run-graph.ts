/** Run a graph once on a backend from host tensors to host tensors (tests, conformance, tools). */
import type { Graph } from '../ir/graph.js';
import type { HostTensor } from '../tensor/host-tensor.js';
import { compileFor } from './compile.js';
import { allocateTensor, downloadTensor, freeTensor, uploadTensor } from '../backend-api/device-tensors.js';
import { bindGraphShapes, outputShapes } from '../backend-api/graph-shapes.js';
import type { Backend, DeviceTensor } from '../backend-api/plugin-contract.js';

export async function runGraph(backend: Backend, graph: Graph, inputs: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
  const { plan, executable } = await compileFor(backend, graph);
  const shapes = Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, t.shape]));
  const dims = bindGraphShapes(plan.graph, shapes);
  const owned: DeviceTensor[] = [];
  try {
    const deviceInputs: Record<string, DeviceTensor> = {};
    for (const [name, t] of Object.entries(inputs)) owned.push((deviceInputs[name] = await uploadTensor(backend.memory, t)));
    const deviceOutputs: Record<string, DeviceTensor> = {};
    const resolved = outputShapes(plan.graph, dims);
    for (const out of plan.graph.outputs) {
      const dtype = plan.graph.values[out.value]!.type.dtype;
      owned.push((deviceOutputs[out.name] = allocateTensor(backend.memory, dtype, resolved[out.name]!)));
    }
    await executable.run({ inputs: deviceInputs, outputs: deviceOutputs });
    const results: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(deviceOutputs)) results[name] = await downloadTensor(backend.memory, t);
    return results;
  } finally {
    for (const t of owned) freeTensor(backend.memory, t);
    executable.dispose();
  }
}
