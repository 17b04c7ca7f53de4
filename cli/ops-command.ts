/** `glm ops`: the op catalogue, as a list or as the Markdown reference of docs/ops.md. */
import { parseArgs } from 'node:util';
import { OP_CATALOGUE } from '../core/ir/ops/catalogue.js';
import { renderOpReference } from '../core/ir/op-reference.js';
import { HELP_OPTION, withUsageErrors } from './parse.js';

export const OPS_HELP = `Usage: glm ops [--markdown]

Lists the IR's ops (primitives, composites with decompositions, collectives).

Options:
  --markdown   the full reference with exact semantics (this is docs/ops.md)
  -h, --help   this text`;

export async function opsCommand(args: string[]): Promise<number> {
  const { values } = withUsageErrors('ops', () => parseArgs({ args, options: { markdown: { type: 'boolean' }, ...HELP_OPTION }, strict: true }));
  if (values.help) return console.log(OPS_HELP), 0;
  if (values.markdown) {
    process.stdout.write(renderOpReference());
    return 0;
  }
  for (const op of OP_CATALOGUE.values()) console.log(`${op.name.padEnd(20)}${op.kind}`);
  return 0;
}
