/**
 * The skeleton backend, the start of a new one. `glm new-backend NAME` writes it out as a standalone
 * plugin package (this module compiled to JavaScript, its one import pointing at `glm-sdk/plugin`, its
 * NAME replaced; cli/new-backend-command.ts). It loads, probes and opens, keeps tensors in host memory,
 * and says "unimplemented" for every op, so `glm conformance` reports it all-unsupported rather than
 * crashing. Fill in, in this order:
 *   1. probe(): find your runtime library/driver; say exactly what is missing when it is.
 *   2. memory: allocate/write/read/free on your device.
 *   3. supports(): return SUPPORTED for the ops you implement (primitives first; claim composites
 *      later for speed — unclaimed composites are decomposed into primitives for you).
 *   4. compile(): turn the plan (a graph of ops you said yes to) into something runnable.
 * Import only from the SDK's plugin API (`glm-sdk/plugin`); throw GlmError (its kind sets the exit code).
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

/** The backend's name: what users pass to --backend when it is a built-in, and what reports show. */
const NAME = 'skeleton';

class HostBuffer implements DeviceBuffer {
  readonly bytes: Uint8Array;
  constructor(readonly byteLength: number) {
    this.bytes = new Uint8Array(byteLength);
  }
}

function own(buffer: DeviceBuffer): HostBuffer {
  if (!(buffer instanceof HostBuffer)) throw new GlmError('backend', `${NAME}: buffer belongs to another backend`);
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
  name: NAME,
  apiVersion: PLUGIN_API_VERSION,
  description: `${NAME}: a backend started from glm-sdk's skeleton (every op unimplemented)`,
  async probe() {
    return { available: true, device: 'none (skeleton: no kernels)', execution: 'emulator' };
  },
  async open(): Promise<Backend> {
    return {
      name: NAME,
      execution: 'emulator',
      device: 'none (skeleton: no kernels)',
      supports: (view: NodeView) => unsupported(`unimplemented: the skeleton has no kernel for "${view.node.op}"`),
      memory,
      async compile() {
        throw new GlmError('unsupported', `${NAME}: compile is unimplemented`);
      },
      async close() {},
    };
  },
};

export default plugin;
