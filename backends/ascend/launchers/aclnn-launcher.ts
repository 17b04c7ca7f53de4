/** The launcher of plain aclnn records: the record's op called with its decoded arguments, through the record's cached executor. */
import { ACLNN_CODES, type AclnnOp } from '../launch-codes.js';
import { runOp, type Launcher } from './launcher.js';

export function aclnnLauncher(ops: readonly AclnnOp[]): Launcher {
  return {
    codes: ops.map((op) => ACLNN_CODES[op]),
    launch: (env, record, state) => runOp(env, state, record.name, record.args),
  };
}
