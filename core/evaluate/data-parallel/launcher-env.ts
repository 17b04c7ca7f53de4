/**
 * Where this process stands in a data-parallel job, read from the launcher that started it — never a
 * cluster manager of our own. Recognised, in this order (an MPI job inside a Slurm allocation carries
 * both, and its MPI ranks are the ones that count):
 *   torchrun-style   RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
 *   Open MPI         OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE
 *   MPICH / Hydra    PMI_RANK, PMI_SIZE
 *   Slurm srun       SLURM_PROCID, SLURM_NTASKS
 * The rendezvous (rank 0's address) is MASTER_ADDR:MASTER_PORT when set; under Slurm without
 * MASTER_ADDR, the first host of the step's node list (where srun's block distribution puts rank 0).
 * MASTER_PORT defaults to 29500, torchrun's default.
 */
import { GlmError } from '../../errors.js';

export type Launcher = 'torchrun' | 'openmpi' | 'pmi' | 'slurm';

export interface DataParallelLaunch {
  readonly launcher: Launcher;
  readonly rank: number;
  readonly worldSize: number;
  readonly masterAddr: string;
  readonly masterPort: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const SOURCES: readonly { launcher: Launcher; rank: string; size: string }[] = [
  { launcher: 'torchrun', rank: 'RANK', size: 'WORLD_SIZE' },
  { launcher: 'openmpi', rank: 'OMPI_COMM_WORLD_RANK', size: 'OMPI_COMM_WORLD_SIZE' },
  { launcher: 'pmi', rank: 'PMI_RANK', size: 'PMI_SIZE' },
  { launcher: 'slurm', rank: 'SLURM_PROCID', size: 'SLURM_NTASKS' },
];

export const DEFAULT_MASTER_PORT = 29500;

function integer(env: Env, name: string, min: number): number {
  const raw = env[name]!;
  const v = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < min) throw new GlmError('usage', `environment variable ${name}=${JSON.stringify(raw)} is not an integer >= ${min}`);
  return v;
}

/** The first host of a Slurm node list: "gpu[03-05,09],cpu1" → "gpu03". */
export function firstSlurmHost(nodeList: string): string {
  const m = /^([^,[]+)(?:\[([^\]]+)\])?/.exec(nodeList.trim());
  if (!m || m[1] === undefined) throw new GlmError('usage', `cannot read the Slurm node list ${JSON.stringify(nodeList)}`);
  const first = m[2]?.split(',')[0]?.split('-')[0] ?? '';
  return m[1] + first;
}

/** The launch this process is part of, or a usage error saying which variables were looked for. */
export function launchFromEnvironment(env: Env): DataParallelLaunch {
  const source = SOURCES.find((s) => env[s.rank] !== undefined && env[s.size] !== undefined);
  if (!source) {
    const names = SOURCES.map((s) => `${s.rank}/${s.size}`).join(', ');
    throw new GlmError('usage', `--data-parallel: no launcher found in the environment (looked for ${names}); start the ranks with srun, mpirun or torchrun`);
  }
  const worldSize = integer(env, source.size, 1);
  const rank = integer(env, source.rank, 0);
  if (rank >= worldSize) throw new GlmError('usage', `${source.rank}=${rank} is not below ${source.size}=${worldSize}`);
  const masterPort = env['MASTER_PORT'] === undefined ? DEFAULT_MASTER_PORT : integer(env, 'MASTER_PORT', 1);
  if (masterPort > 65535) throw new GlmError('usage', `MASTER_PORT=${masterPort} is not a TCP port`);
  let masterAddr = env['MASTER_ADDR'];
  if (masterAddr === undefined && source.launcher === 'slurm') {
    const nodes = env['SLURM_STEP_NODELIST'] ?? env['SLURM_JOB_NODELIST'];
    if (nodes !== undefined) masterAddr = firstSlurmHost(nodes);
  }
  if (masterAddr === undefined) {
    if (worldSize > 1) throw new GlmError('usage', `--data-parallel under ${source.launcher}: set MASTER_ADDR (and MASTER_PORT) to rank 0's host, where the ranks meet`);
    masterAddr = '127.0.0.1';
  }
  return { launcher: source.launcher, rank, worldSize, masterAddr, masterPort };
}
