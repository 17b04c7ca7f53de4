/**
 * The skeleton backend: copy this folder to start a new backend. It loads, probes and opens, keeps
 * tensors in host memory, and says "unimplemented" for every op, so `glm conformance` reports it
 * all-unsupported rather than crashing. Fill in, in this order:
 *   1. probe(): find your runtime library/driver; say exactly what is missing when it is.
 *   2. memory: allocate/write/read/free on your device.
 *   3. supports(): return SUPPORTED for the ops you implement (primitives first; claim composites
 *      later for speed — unclaimed composites are decomposed into primitives for you).
 *   4. compile(): turn the plan (a graph of ops you said yes to) into something runnable.
 * Import only from the SDK's plugin API (`glm-sdk/plugin`; built-ins use the relative path).
 */
import {
  GlmError,
  PLUGIN_API_VERSION,
  unsupported,
  type Backend,
  type BackendMemory,
  type BackendPlugin,
  type DeviceBuffer,
  type NodeView,
} from '../../core/backend-api/plugin-api.js';

class HostBuffer implements DeviceBuffer {
  readonly bytes: Uint8Array;
  constructor(readonly byteLength: number) {
    this.bytes = new Uint8Array(byteLength);
  }
}

function own(buffer: DeviceBuffer): HostBuffer {
  if (!(buffer instanceof HostBuffer)) throw new GlmError('backend', 'skeleton: buffer belongs to another backend');
  return buffer;
}

const memory: BackendMemory = {
  allocate: (byteLength) => new HostBuffer(byteLength),
  free: () => {},
  async write(buffer, offset, bytes) {
    own(buffer).bytes.set(bytes, offset);
  },
  async read(buffer, offset, length) {
    return own(buffer).bytes.slice(offset, offset + length);
  },
};

export const plugin: BackendPlugin = {
  name: 'skeleton',
  apiVersion: PLUGIN_API_VERSION,
  description: 'Skeleton backend for plugin authors: every op unimplemented',
  async probe() {
    return { available: true, device: 'none (skeleton: no kernels)', execution: 'emulator' };
  },
  async open(): Promise<Backend> {
    return {
      name: 'skeleton',
      execution: 'emulator',
      device: 'none (skeleton: no kernels)',
      supports: (view: NodeView) => unsupported(`unimplemented: the skeleton has no kernel for "${view.node.op}"`),
      memory,
      async compile() {
        throw new GlmError('unsupported', 'skeleton: compile is unimplemented');
      },
      async close() {},
    };
  },
};

export default plugin;
