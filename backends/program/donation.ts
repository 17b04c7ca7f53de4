/**
 * Inputs donated to outputs: a caller may bind an output to the very tensor of an input (the KV
 * cache written in place). That is only sound when the output's producer computes in place from that
 * input (OpDefinition.inPlace) and nothing else reads the input; any other overlap is refused.
 */
import { GlmError, OP_CATALOGUE, byteLengthOf, type DeviceTensor, type Graph, type GraphNode, type RunBindings } from '../../core/backend-api/plugin-api.js';
import { countOf } from './locations.js';

function extent(t: DeviceTensor) {
  return { buffer: t.buffer, start: t.byteOffset, end: t.byteOffset + byteLengthOf(t.dtype, countOf(t.shape)) };
}

export type DonationCheck = (bindings: RunBindings) => Map<string, string>;

/**
 * For one graph (built once per executable: a decode step runs it every token): a function giving
 * output name → input name for every output bound to an input's tensor; it throws on unsound sharing.
 */
export function donationCheck(graph: Graph, backend: string): DonationCheck {
  const producer = new Map<number, GraphNode>();
  const consumers = new Map<number, number>();
  for (const node of graph.nodes) {
    for (const o of node.outputs) producer.set(o, node);
    for (const i of node.inputs) if (i !== null) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  }
  const inputs = [...graph.inputs, ...graph.params].map((id) => ({ id, name: graph.values[id]!.name }));

  return (bindings) => {
    const donations = new Map<string, string>();
    // Inputs by buffer: a decode step binds hundreds of tensors, and only those sharing a buffer matter.
    const byBuffer = new Map<unknown, { id: number; name: string }[]>();
    for (const input of inputs) {
      const buffer = bindings.inputs[input.name]!.buffer;
      const list = byBuffer.get(buffer);
      if (list) list.push(input);
      else byBuffer.set(buffer, [input]);
    }
    for (const out of graph.outputs) {
      const o = extent(bindings.outputs[out.name]!);
      if (o.end === o.start) continue;
      for (const input of byBuffer.get(o.buffer) ?? []) {
        const i = extent(bindings.inputs[input.name]!);
        if (i.end <= o.start || o.end <= i.start) continue;
        const node = producer.get(out.value);
        const inPlace = node ? OP_CATALOGUE.get(node.op)?.inPlace : undefined;
        const sound =
          node !== undefined &&
          inPlace !== undefined &&
          i.start === o.start &&
          i.end === o.end &&
          node.inputs[inPlace.input] === input.id &&
          node.outputs[inPlace.output] === out.value &&
          consumers.get(input.id) === 1;
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
  };
}
