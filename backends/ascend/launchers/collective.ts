/**
 * The allReduce host step: HcclAllReduce (sum) of a rank's tensor over its communicator, on the
 * rank's stream. The communicator is the device's (openRanks gives each rank its own), never a record
 * word. The emulator's HCCL answers HCCL_E_AGAIN while other ranks of this process have not reached
 * the collective (they run in turns on one thread); the launcher then stops the program
 * (PeersNotReady), and the device's runFrom resumes it at this record once the others have run.
 */
import { ACL_DTYPE, HOST_STEPS } from '../launch-codes.js';
import type { Launcher } from './launcher.js';
import type { TensorArg } from './decoded-record.js';
import { PeersNotReady } from './hccl-rank.js';

const ELEMENT_BYTES: Readonly<Record<number, number>> = { [ACL_DTYPE.f32]: 4, [ACL_DTYPE.f16]: 2, [ACL_DTYPE.bf16]: 2 };

function bytesOf(t: TensorArg): number {
  const bytes = ELEMENT_BYTES[t.dtype];
  if (bytes === undefined) throw new Error(`ascend all-reduce: ACL dtype ${t.dtype} is not fp32, fp16 or bf16`);
  return bytes;
}

export const ALL_REDUCE: Launcher = {
  codes: [HOST_STEPS.allReduce],
  launch(env, record) {
    const [send, recv] = record.args as [TensorArg, TensorArg];
    if (!env.collective) throw new Error('ascend: an all-reduce over several ranks on a device that is no rank of an HCCL communicator');
    const count = recv.shape.reduce((n, d) => n * d, 1);
    if (count === 0) return;
    const status = env.collective.allReduce(send.address + send.offset * bytesOf(send), recv.address + recv.offset * bytesOf(recv), count, recv.dtype);
    if (status === 'again') throw new PeersNotReady();
  },
};
