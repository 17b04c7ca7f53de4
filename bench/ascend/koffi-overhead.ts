/**
 * Benchmark (a script, not a test): what a CANN call costs the host through koffi. Times N calls of
 *  - aclrtGetSocName (no work behind it: koffi's own cost per call, arguments and result converted),
 *  - aclnnAdds's second phase on a repeatable executor over one fp32 element (the launch a cached
 *    decode step issues: four arguments, a status back; on the emulator the op's own work is tiny),
 *  - aclSetTensorAddr (a rebind),
 * and prints nanoseconds per call. On the emulator the launch includes the emulator's bookkeeping
 * and its one-element op; on an NPU it would include CANN's launch path instead.
 * Usage: node dist/bench/ascend/koffi-overhead.js [--calls N]
 */
import { parseArgs } from 'node:util';
import { plugin } from '../../backends/ascend/index.js';
import { OpCall } from '../../backends/ascend/device/op-call.js';
import { ACL_DTYPE } from '../../backends/ascend/launch-codes.js';
import type { TensorArg } from '../../backends/ascend/launchers/decoded-record.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '200000' } } });
const calls = Number(values.calls);
const backend = await plugin.open();
const device = backend.native;
const fn = backend.runtime.acl.fn;

function nsPerCall(body: () => void): number {
  for (let i = 0; i < 1000; i++) body(); // warm-up: JIT and koffi's call path
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) body();
  return Number(process.hrtime.bigint() - started) / calls;
}

const address = device.allocate(64);
const one: TensorArg = { dtype: ACL_DTYPE.f32, shape: [1], strides: [1], offset: 0, storageElements: 1, address };
const adds = new OpCall('Adds');
const workspace = { get: () => 0 } as unknown as Parameters<OpCall['run']>[1];
adds.run(device.calls, workspace, [one, { scalar: 1, dtype: ACL_DTYPE.f32 }, { scalar: 1, dtype: ACL_DTYPE.f32 }, one]);
const { executor, tensor } = adds.handles();

const socName = nsPerCall(() => fn['aclrtGetSocName']!());
const launch = nsPerCall(() => fn['aclnnAdds']!(0, 0, executor, backend.runtime.stream));
const rebind = nsPerCall(() => fn['aclSetTensorAddr']!(executor, 0, tensor, address));
device.calls.synchronize();
console.log(JSON.stringify({
  bench: 'ascend: host cost of a CANN call through koffi',
  device: backend.device,
  execution: backend.execution,
  node: process.version,
  calls,
  nsPerCall: { aclrtGetSocName: Math.round(socName), aclnnAddsLaunch: Math.round(launch), aclSetTensorAddr: Math.round(rebind) },
}, null, 1));
adds.release(device.calls);
device.free(address);
await backend.close();
