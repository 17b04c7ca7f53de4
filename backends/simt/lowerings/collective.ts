/**
 * all-reduce. On a backend opened alone it spans one rank and is a view of its input. On a rank of
 * openRanks(N) it is one record that the native side hands to the rank's collective group
 * (backends/simt/native/collectives/: NCCL / RCCL on the device's stream, or the emulator's in-process
 * sum): [group, rank, send, recv, count, dtype], contiguous buffers.
 */
import { GlmError } from '../../../core/backend-api/plugin-api.js';
import { countOf, ptrOf } from '../../program/locations.js';
import { dtypeCode, OP } from '../launch-codes.js';
import type { SimtLowering } from './simt-lowering.js';

const REDUCIBLE = ['f32', 'f16', 'bf16'];

export const allReduce: SimtLowering = (ctx) => {
  const worldSize = (ctx.node.attrs['worldSize'] as number | undefined) ?? 1;
  const rank = ctx.options.collective;
  if (!rank) {
    if (worldSize !== 1) throw new GlmError('unsupported', `${ctx.backend}: an all-reduce over ${worldSize} ranks runs only on the ranks of openRanks(${worldSize})`);
    ctx.alias(0, ctx.input(0)!);
    return;
  }
  if (worldSize !== rank.worldSize) throw new GlmError('unsupported', `${ctx.backend}: this rank belongs to a group of ${rank.worldSize}, the all-reduce spans ${worldSize}`);
  const send = ctx.contiguous(ctx.input(0)!);
  const recv = ctx.output(0);
  if (!REDUCIBLE.includes(recv.dtype)) throw new GlmError('unsupported', `${ctx.backend}: all-reduce of ${recv.dtype} (the collective sums f32, f16 and bf16)`);
  ctx.emit(OP.allReduce, [rank.group, rank.rank, ptrOf(send), ptrOf(recv), countOf(recv.shape), dtypeCode(recv.dtype)]);
};
