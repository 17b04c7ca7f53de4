/** The op catalogue as Markdown: docs/ops.md is this text (a test keeps them equal). */
import { OP_CATALOGUE } from './ops/catalogue.js';
import type { OpDefinition } from './op-definition.js';

function section(op: OpDefinition): string {
  const lines = [`### \`${op.name}\` (${op.kind})`, '', op.semantics, '', '| input | dtypes | shape |', '|---|---|---|'];
  for (const i of op.inputs) {
    const flags = [i.optional ? 'optional' : '', i.variadic ? 'variadic' : ''].filter(Boolean).join(', ');
    lines.push(`| ${i.name}${flags ? ` (${flags})` : ''} | ${i.dtypes.join(', ')} | ${i.doc} |`);
  }
  const attrs = Object.entries(op.attrs);
  if (attrs.length > 0) {
    lines.push('', '| attribute | type | default | meaning |', '|---|---|---|---|');
    for (const [name, a] of attrs) {
      const type = a.oneOf ? a.oneOf.map((o) => `\`${o}\``).join(' \\| ') : a.type;
      lines.push(`| ${name} | ${type} | ${a.default === undefined ? 'required' : `\`${JSON.stringify(a.default)}\``} | ${a.doc} |`);
    }
  }
  lines.push('', `Outputs: ${op.outputs === 'variadic' ? 'one per entry of `sizes`' : op.outputs.join(', ')}.`);
  if (op.decompose) lines.push('', 'Has a decomposition into primitives (a backend may claim it or leave it to the decomposition).');
  return lines.join('\n');
}

export function renderOpReference(): string {
  const ops = [...OP_CATALOGUE.values()];
  const kinds = ['primitive', 'composite', 'collective'] as const;
  const parts = [
    '# IR op reference',
    '',
    'Generated from the op catalogue (`core/ir/ops/`) by `glm ops`; do not edit by hand.',
    'Every op has one definition (signature, attributes, shape and dtype rules, decomposition) and one reference kernel in `backends/cpu-ref/kernels/`.',
    'Reference semantics: float64 arithmetic from the stored (dtype-rounded) inputs, each output rounded once to its dtype, round to nearest even.',
  ];
  for (const kind of kinds) {
    parts.push('', `## ${kind[0]!.toUpperCase()}${kind.slice(1)}s`, '');
    for (const op of ops.filter((o) => o.kind === kind)) parts.push(section(op), '');
  }
  return parts.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
