/**
 * openRanks(N) of the SIMT family on the CPU emulators: the cuda-emu and rocm-dcu-emu addons' ranks
 * joined by the emulated collective (backends/simt/native/collectives/emulated_group.cpp), each rank's
 * all-reduce lowered to one record that the group sums. Checked against the unsharded graph on cpu-ref
 * (the tensor-parallel conformance checks), with a mutation — ranks whose all-reduce does not sum —
 * that the same check must reject; and the hardware refusals, from a stand-in addon.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { emulatorEnv, gateOnBuild, refusal } from './rank-test-helpers.js';

emulatorEnv({ GLM_CUDA_EMULATE: '1', GLM_DCU_EMULATE: '1' });
const { addonPath: cudaAddonPath } = await import('../../backends/cuda/native-addon.js');
const { addonPath: dcuAddonPath } = await import('../../backends/rocm-dcu/native-addon.js');
const { plugin: cuda } = await import('../../backends/cuda/index.js');
const { plugin: dcu } = await import('../../backends/rocm-dcu/index.js');
const { SIMT_LOWERINGS } = await import('../../backends/simt/lowerings/index.js');
const { seatRanks } = await import('../../backends/simt/simt-ranks.js');
const { BLOCK_SETUPS, blockCheck, modelCheck } = await import('../../conformance/cases/tensor-parallel/graph-cases.js');
const { checkSharded } = await import('../../conformance/cases/tensor-parallel/sharded-check.js');
const { TP_CHATGLM, TP_GLM } = await import('../../conformance/cases/tensor-parallel/configs.js');
import type { CollectiveAddon } from '../../backends/simt/simt-ranks.js';
import type { SimtLowering } from '../../backends/simt/lowerings/simt-lowering.js';

const cudaPath = cudaAddonPath();
const dcuPath = dcuAddonPath('emulator');
const skipCuda = gateOnBuild('cuda emulator (tensor-parallel ranks)', [cudaPath], 'npm run build:cuda-emu');
const skipDcu = gateOnBuild('rocm-dcu emulator (tensor-parallel ranks)', [dcuPath], 'npm run build:dcu');

describe.skipIf(skipCuda)('cuda emulator ranks', () => {
  it('label every rank as the emulator, with its rank and the in-process collective', async () => {
    const ranks = await (await cuda.open()).openRanks!(2);
    expect(ranks.map((r) => r.execution)).toEqual(['emulator', 'emulator']);
    expect(ranks[1]!.device).toMatch(/CPU emulator.*rank 1 of 2 \(the emulator's in-process all-reduce/);
    for (const r of ranks) await r.close();
  });

  it('a block at TP 2 (f16, decode with a cache) and the model at TP 4 (f32) equal the unsharded graph on cpu-ref', async () => {
    const backend = await cuda.open();
    await checkSharded(backend, blockCheck(TP_GLM, 2, 'f16', 'none', BLOCK_SETUPS[1]!, 'simt-ranks-block'));
    await checkSharded(backend, modelCheck(TP_CHATGLM, 4, 'f32', 'none', 'simt-ranks-model'));
  });

  it('mutation: ranks whose all-reduce passes each rank its own partial sum fail the same check', async () => {
    const table = SIMT_LOWERINGS as Record<string, SimtLowering>;
    const real = table['all-reduce']!;
    // The record is emitted (so the group still meets), but each rank's result is its own input.
    table['all-reduce'] = (ctx) => {
      real(ctx);
      ctx.alias(0, ctx.input(0)!);
    };
    try {
      await expect(checkSharded(await cuda.open(), blockCheck(TP_GLM, 2, 'f32', 'none', BLOCK_SETUPS[0]!, 'simt-ranks-mutant'))).rejects.toThrow(
        /differs/, // the replicated hidden state differs between ranks (the gather's check) or from the oracle
      );
    } finally {
      table['all-reduce'] = real;
    }
  });

  it('a rank that fails aborts its peers instead of leaving them waiting in the collective', async () => {
    const ranks = await (await cuda.open()).openRanks!(2);
    const check = blockCheck(TP_GLM, 2, 'f32', 'none', BLOCK_SETUPS[0]!, 'simt-ranks-abort');
    const { runShardedGraph } = await import('../../core/execute/run-sharded.js');
    const { shardGlmGraph } = await import('../../core/passes/shard-graph.js');
    // The emulator's fault switch (one per process): the 3rd kernel launch from now fails, in rank 0's
    // program (it runs first, and reaches its first all-reduce after more launches than that).
    (ranks[0] as unknown as { native: { setFault(kind: string, n: number): void } }).native.setFault('launch', 3);
    const started = Date.now();
    const settled = await Promise.allSettled([runShardedGraph(ranks, shardGlmGraph(check.graph, TP_GLM, 2), TP_GLM, check.inputs)]);
    expect(settled[0]!.status).toBe('rejected');
    expect(Date.now() - started).toBeLessThan(30_000);
    // The peer, waiting in the collective, is released with the failing rank's reason, not left to time out.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await Promise.allSettled([runShardedGraph(ranks, shardGlmGraph(check.graph, TP_GLM, 2), TP_GLM, check.inputs)]);
    expect(String((again[0] as PromiseRejectedResult).reason)).toMatch(/aborted because a rank failed/);
    for (const r of ranks) await r.close();
  });
});

describe.skipIf(skipCuda)('glm run --backend cuda --tensor-parallel 2 on the emulator', () => {
  it('prints the text cpu-ref prints alone, and says the ranks ran on the emulator', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['bin/glm.js', 'run', '--out-seq-length', '40', ...args], {
        input: 'The capital of France is [MASK].\n',
        encoding: 'utf8',
        env: { ...process.env, GLM_CUDA_EMULATE: '1' },
      });
    const alone = run(['--backend', 'cpu-ref']);
    const sharded = run(['--backend', 'cuda', '--tensor-parallel', '2']);
    expect(sharded.status, sharded.stderr).toBe(0);
    expect(sharded.stdout).toBe(alone.stdout);
    expect(sharded.stderr).toMatch(/2 tensor-parallel ranks — results from an EMULATOR/);
    // The device memory is the ranks' (each its own device), not the backend they were opened from.
    const memory = /device memory: peak ([\d.]+) MiB, ([\d.]+) \+ ([\d.]+) MiB over 2 ranks \(weights ([\d.]+) MiB, KV cache ([\d.]+) MiB\)/.exec(sharded.stderr);
    expect(memory, sharded.stderr).not.toBeNull();
    const [total, rank0, rank1, weights, cache] = memory!.slice(1).map(Number) as [number, number, number, number, number];
    expect(Math.abs(total - (rank0 + rank1))).toBeLessThanOrEqual(0.1);
    expect(total).toBeGreaterThanOrEqual(weights + cache - 0.1);
    expect(Math.min(rank0, rank1)).toBeGreaterThan(0);
  }, 60_000);
});

describe.skipIf(skipDcu)('rocm-dcu emulator ranks (wave64)', () => {
  it('a block at TP 8 (f32, prefill) equals the unsharded graph on cpu-ref', async () => {
    const backend = await dcu.open();
    const ranks = await backend.openRanks!(8);
    expect(ranks[7]!.device).toMatch(/CPU emulator of the HIP kernels.*rank 7 of 8/);
    for (const r of ranks) await r.close();
    await checkSharded(backend, blockCheck(TP_GLM, 8, 'f32', 'none', BLOCK_SETUPS[0]!, 'simt-ranks-dcu'));
  });
});

/** A hardware addon as openRanks sees it: `devices` GPUs, a group opened on request. */
function standIn(devices: number): CollectiveAddon & { opened: number[][] } {
  const opened: number[][] = [];
  return {
    emulated: false,
    opened,
    deviceCount: () => devices,
    collectiveOpen: (d: readonly number[]) => (opened.push([...d]), 1),
    collectiveClose: () => {},
    collectiveAbort: () => {},
    collectiveLibrary: () => 'NCCL 2.27.3 (libnccl.so.2)',
  } as unknown as CollectiveAddon & { opened: number[][] };
}

describe('openRanks on hardware (a stand-in addon)', () => {
  it('refuses more ranks than GPUs, naming both, before any group is opened', () => {
    const addon = standIn(1);
    expect(refusal(() => seatRanks('cuda', addon, 2))).toBe('cuda: 2 tensor-parallel ranks need 2 GPUs (one rank per GPU); this machine has 1');
    expect(addon.opened).toEqual([]);
  });

  it('one rank on GPU 0 through the library; N ranks on GPUs 0..N-1 of one group', () => {
    const addon = standIn(8);
    const [seat] = seatRanks('cuda', addon, 1);
    expect(seat!.collective).toEqual({ group: 1, rank: 0, worldSize: 1 });
    expect(seat!.library).toBe('NCCL 2.27.3 (libnccl.so.2)');
    const four = seatRanks('cuda', addon, 4);
    expect(four.map((s) => [s.deviceIndex, s.collective.rank, s.collective.worldSize])).toEqual([0, 1, 2, 3].map((r) => [r, r, 4]));
    expect(addon.opened).toEqual([[0], [0, 1, 2, 3]]);
  });
});
