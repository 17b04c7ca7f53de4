/**
 * Inputs donated to outputs: a caller may bind an output to the very tensor of an input (the KV
 * cache written in place). That is only sound when the output's producer computes in place from that
 * input (OpDefinition.inPlace) and nothing else reads the input; any other overlap is refused.
 */
import { GlmError, OP_CATALOGUE, byteLengthOf, type DeviceTensor, type Graph, type RunBindings } from '../../core/runtime/plugin-api.js';
import { countOf } from './locations.js';

function extent(t: DeviceTensor) {
  return { buffer: t.buffer, start: t.byteOffset, end: t.byteOffset + byteLengthOf(t.dtype, countOf(t.shape)) };
}

/** Output name → input name, for every output bound to an input's tensor; throws on unsound sharing. */
export function donatedInputs(graph: Graph, bindings: RunBindings, backend: string): Map<string, string> {
  const donations = new Map<string, string>();
  const inputs = [...graph.inputs, ...graph.params].map((id) => ({ id, name: graph.values[id]!.name }));
  for (const out of graph.outputs) {
    const o = extent(bindings.outputs[out.name]!);
    if (o.end === o.start) continue;
    for (const input of inputs) {
      const i = extent(bindings.inputs[input.name]!);
      if (i.buffer !== o.buffer || i.end <= o.start || o.end <= i.start) continue;
      const producer = graph.nodes.find((n) => n.outputs.includes(out.value));
      const inPlace = producer ? OP_CATALOGUE.get(producer.op)?.inPlace : undefined;
      const sound =
        producer !== undefined &&
        inPlace !== undefined &&
        i.start === o.start &&
        i.end === o.end &&
        producer.inputs[inPlace.input] === input.id &&
        producer.outputs[inPlace.output] === out.value &&
        graph.nodes.every((n) => n === producer || !n.inputs.includes(input.id));
      if (!sound) {
        throw new GlmError(
          'usage',
          `${backend}: output "${out.name}" is bound to memory of input "${input.name}", but it is not computed in place from that input alone`,
        );
      }
      donations.set(out.name, input.name);
    }
  }
  return donations;
}
