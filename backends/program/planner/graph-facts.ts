/** What the planner reads of a graph for one set of dims: shapes, producers, consumers, output names. */
import { resolveShape, type DimBindings, type Graph, type GraphNode, type NodeView } from '../../../core/backend-api/plugin-api.js';
import { countOf, elementBytes } from '../locations.js';

export class GraphFacts {
  /** Each value's concrete shape. */
  readonly shapes: number[][];
  /** Each value's reading nodes (a node reading it twice is listed twice). */
  readonly consumers: number[][];
  /** The graph output names bound to each value. */
  readonly outputNames: string[][];
  /** Each value's producing node; -1 for inputs and params. */
  readonly producer: number[];

  constructor(
    readonly graph: Graph,
    readonly dims: DimBindings,
  ) {
    this.shapes = graph.values.map((v) => resolveShape(v.type.shape, dims));
    this.consumers = graph.values.map(() => []);
    graph.nodes.forEach((node, i) => node.inputs.forEach((id) => id !== null && this.consumers[id]!.push(i)));
    this.outputNames = graph.values.map(() => []);
    for (const o of graph.outputs) this.outputNames[o.value]!.push(o.name);
    this.producer = graph.values.map(() => -1);
    graph.nodes.forEach((node, i) => node.outputs.forEach((o) => (this.producer[o] = i)));
  }

  node(index: number): GraphNode {
    return this.graph.nodes[index]!;
  }

  isGraphOutput(value: number): boolean {
    return this.outputNames[value]!.length > 0;
  }

  /** The node that produces `value`, or undefined for an input or param. */
  producerOf(value: number): GraphNode | undefined {
    const p = this.producer[value]!;
    return p < 0 ? undefined : this.graph.nodes[p];
  }

  bytesOf(value: number): number {
    return Math.ceil(countOf(this.shapes[value]!) * elementBytes(this.graph.values[value]!.type.dtype));
  }

  /** A node with its declared input and output types, as a target's conditions read it. */
  viewOf(index: number): NodeView {
    const node = this.graph.nodes[index]!;
    return {
      node,
      inputTypes: node.inputs.map((i) => (i === null ? null : this.graph.values[i]!.type)),
      outputTypes: node.outputs.map((o) => this.graph.values[o]!.type),
    };
  }
}
