/**
 * NCCL for cuda and RCCL for rocm-dcu (the SIMT family shares it), loaded at run time through koffi
 * from `libnccl.so.2` (GLM_NCCL_LIBRARY) or `librccl.so.1` (GLM_RCCL_LIBRARY), which export the same
 * `nccl*` C API: never linked, so a host without them still runs every single-rank backend and says why
 * it has no collectives. The
 * subset tensor parallelism needs: a unique id made once and handed to every rank in the process
 * (ncclGetUniqueId → ncclCommInitRank inside one ncclGroupStart/End, one communicator per GPU), and
 * ncclAllReduce on a stream.
 */
import koffi from 'koffi';
import { GlmError } from '../../../core/backend-api/plugin-api.js';

/** ncclDataType_t values of nccl.h. */
export const NCCL_DTYPE = { f16: 6, f32: 7, bf16: 9 } as const;
const NCCL_SUM = 0;

/** Opaque handles (ncclComm_t, cudaStream_t, device pointers) as koffi gives them. */
export type Handle = unknown;

export interface NcclLibrary {
  readonly path: string;
  /** NCCL's version as it encodes it (e.g. 22703 for 2.27.3). */
  readonly version: number;
  /** One communicator per device of `devices`, rank i on devices[i], made in one group. */
  initRanks(devices: readonly number[], setDevice: (device: number) => void): Handle[];
  /** Sum `count` elements of `dtype` over the group, from `send` into `recv` (may be the same), on `stream`. */
  allReduce(send: Handle, recv: Handle, count: number, dtype: keyof typeof NCCL_DTYPE, comm: Handle, stream: Handle): void;
  groupStart(): void;
  groupEnd(): void;
  destroy(comm: Handle): void;
}

/** The two libraries with this API: where each is looked for, and the variable that overrides it. */
const FLAVOURS = {
  nccl: { name: 'NCCL', variable: 'GLM_NCCL_LIBRARY', files: ['libnccl.so.2', 'libnccl.so'] },
  rccl: { name: 'RCCL', variable: 'GLM_RCCL_LIBRARY', files: ['librccl.so.1', 'librccl.so'] },
} as const;

/** Load NCCL (or RCCL), or explain exactly why it cannot be (GlmError 'backend'). */
export function loadNccl(flavour: keyof typeof FLAVOURS = 'nccl'): NcclLibrary {
  const f = FLAVOURS[flavour];
  const own = process.env[f.variable];
  const tried: string[] = [];
  for (const path of own ? [own] : f.files) {
    let lib;
    try {
      lib = koffi.load(path);
    } catch (e) {
      tried.push(`${path}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    return bind(lib, path);
  }
  throw new GlmError('backend', `${f.name} is not available (${tried.join('; ')}); set ${f.variable} to ${f.files[0]}'s path`);
}

function bind(lib: ReturnType<typeof koffi.load>, path: string): NcclLibrary {
  koffi.struct('ncclUniqueId', { internal: koffi.array('uint8_t', 128) }); // bytes, not a C string
  const getVersion = lib.func('int ncclGetVersion(_Out_ int *version)');
  const getUniqueId = lib.func('int ncclGetUniqueId(_Out_ ncclUniqueId *id)');
  const commInitRank = lib.func('int ncclCommInitRank(_Out_ void **comm, int nranks, ncclUniqueId id, int rank)');
  const allReduce = lib.func('int ncclAllReduce(const void *send, void *recv, size_t count, int dtype, int op, void *comm, void *stream)');
  const groupStart = lib.func('int ncclGroupStart()');
  const groupEnd = lib.func('int ncclGroupEnd()');
  const destroy = lib.func('int ncclCommDestroy(void *comm)');
  const errorString = lib.func('const char *ncclGetErrorString(int result)');
  const check = (what: string, status: number) => {
    if (status !== 0) throw new GlmError('backend', `${what} failed: ${errorString(status) as string} (ncclResult ${status})`);
  };
  const version = [0];
  check('ncclGetVersion', getVersion(version) as number);
  return {
    path,
    version: version[0]!,
    initRanks(devices, setDevice) {
      const id = {};
      check('ncclGetUniqueId', getUniqueId(id) as number);
      const comms: Handle[] = [];
      check('ncclGroupStart', groupStart() as number);
      try {
        devices.forEach((device, rank) => {
          setDevice(device);
          const out = [null];
          check(`ncclCommInitRank (rank ${rank} of ${devices.length})`, commInitRank(out, devices.length, id, rank) as number);
          comms.push(out[0]);
        });
      } finally {
        check('ncclGroupEnd', groupEnd() as number);
      }
      return comms;
    },
    allReduce(send, recv, count, dtype, comm, stream) {
      check('ncclAllReduce', allReduce(send, recv, count, NCCL_DTYPE[dtype], NCCL_SUM, comm, stream) as number);
    },
    groupStart: () => check('ncclGroupStart', groupStart() as number),
    groupEnd: () => check('ncclGroupEnd', groupEnd() as number),
    destroy: (comm) => check('ncclCommDestroy', destroy(comm) as number),
  };
}
