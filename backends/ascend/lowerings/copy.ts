/** The strided copy every data movement lowers to: InplaceCopy from one view into another (any strides on both sides). */
import { countOf, type Loc } from '../../program/locations.js';
import type { Emitter } from '../../program/lowering-context.js';
import { emitOp, view } from './aclnn-record.js';

export function emitCopy(e: Emitter, src: Loc, dst: Loc): void {
  if (countOf(dst.shape) > 0) emitOp(e, 'InplaceCopy', [view(dst), view(src)]);
}
