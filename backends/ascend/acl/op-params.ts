/**
 * The parameters of each aclnn op's GetWorkspaceSize, read from the ABI table's C text (abi.ts) as
 * kinds of argument: what a launch record carries for each and how koffi is given it. One parser for
 * every op, so a record and its call cannot disagree with the table.
 */
import { ACL_OPS } from './abi.js';

export type ArgKind =
  | 'tensor' // const aclTensor * / aclTensor * (null for an absent optional tensor)
  | 'tensorList' // const aclTensorList *
  | 'scalar' // const aclScalar *
  | 'intArray' // const aclIntArray *
  | 'int' // int64_t, int8_t, int, an enum (aclDataType)
  | 'double'
  | 'bool'
  | 'string'; // char *

export interface OpParam {
  readonly name: string;
  readonly kind: ArgKind;
}

function kindOf(param: string): ArgKind {
  const type = param.replace(/\b[A-Za-z_][A-Za-z0-9_]*$/, '').replace(/\bconst\b/g, '').replace(/\s+/g, '');
  if (type === 'aclTensor*') return 'tensor';
  if (type === 'aclTensorList*') return 'tensorList';
  if (type === 'aclScalar*') return 'scalar';
  if (type === 'aclIntArray*') return 'intArray';
  if (type === 'double') return 'double';
  if (type === 'bool') return 'bool';
  if (type === 'char*') return 'string';
  if (['int64_t', 'int8_t', 'int', 'int32_t', 'aclDataType'].includes(type)) return 'int';
  throw new Error(`acl op params: no argument kind for "${param}"`);
}

const PARAMS = new Map<string, readonly OpParam[]>(
  ACL_OPS.map((op) => [
    op.op,
    op.params.split(',').map((p) => {
      const text = p.trim();
      return { name: text.replace(/^.*[\s*]/, ''), kind: kindOf(text) };
    }),
  ]),
);

/** GetWorkspaceSize's parameters of `op` (without workspaceSize and executor), in order. */
export function opParams(op: string): readonly OpParam[] {
  const params = PARAMS.get(op);
  if (!params) throw new Error(`acl op params: the ABI table has no op ${op}`);
  return params;
}

export function hasOp(op: string): boolean {
  return PARAMS.has(op);
}
