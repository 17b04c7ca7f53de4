/**
 * openRanks(N) of ascend on the emulator's HCCL (backends/ascend/emulator/hccl/hccl.cpp: HcclGetRootInfo,
 * HcclCommInitRootInfo, HcclAllReduce on the rank's stream, HCCL_E_AGAIN while peers have not arrived),
 * on the Ascend 910B1: sharded graphs against the unsharded graph on cpu-ref, a mutation (ranks whose
 * all-reduce never calls HCCL) that the same check rejects, and the refusals on CANN.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulatorEnv, gateOnBuild, refusal } from './rank-test-helpers.js';

emulatorEnv({ GLM_ASCEND_EMULATOR: '1', GLM_ASCEND_EMU_SOC: 'Ascend910B1' });
const { EMULATOR_LIB_DIR } = await import('../../backends/ascend/acl/discovery.js');
const { plugin } = await import('../../backends/ascend/index.js');
const { hcclRankDevices } = await import('../../backends/ascend/hccl-ranks.js');
const { BLOCK_SETUPS, blockCheck, modelCheck } = await import('../../conformance/cases/tensor-parallel/graph-cases.js');
const { checkSharded } = await import('../../conformance/cases/tensor-parallel/sharded-check.js');
const { TP_CHATGLM, TP_GLM } = await import('../../conformance/cases/tensor-parallel/configs.js');
import type { Backend } from '../../core/backend-api/plugin-contract.js';

const libs = ['libascendcl.so', 'libopapi.so', 'libhccl.so'].map((f) => join(EMULATOR_LIB_DIR, f));
const skip = gateOnBuild('ascend emulator (HCCL ranks)', libs, 'npm run build:ascend-emu');

describe.skipIf(skip)('ascend ranks on the emulator (910B1), joined by its HCCL', () => {
  it('are labelled emulator, with their rank and HCCL', async () => {
    const ranks = await (await plugin.open()).openRanks!(2);
    expect(ranks.map((r) => r.execution)).toEqual(['emulator', 'emulator']);
    expect(ranks[1]!.device).toMatch(/^emulator .*SoC Ascend910B1; rank 1 of 2 \(HCCL, /);
    for (const r of ranks) await r.close();
  });

  it('a block at TP 2 (f16, decode with a cache) and the model at TP 8 (f32) equal the unsharded graph on cpu-ref', async () => {
    const backend = await plugin.open();
    await checkSharded(backend, blockCheck(TP_GLM, 2, 'f16', 'none', BLOCK_SETUPS[1]!, 'ascend-ranks-block'));
    await checkSharded(backend, modelCheck(TP_CHATGLM, 8, 'f32', 'none', 'ascend-ranks-model'));
  });

  it('mutation: ranks whose all-reduce returns without calling HcclAllReduce fail the same check', async () => {
    const backend = await plugin.open();
    const mutant: Backend = {
      ...backend,
      openRanks: async (n: number) => {
        const ranks = await backend.openRanks!(n);
        for (const r of ranks) {
          const env = (r as unknown as { native: { env: { collective: { allReduce: () => 'done' } } } }).native.env;
          env.collective.allReduce = () => 'done';
        }
        return ranks;
      },
    };
    await expect(checkSharded(mutant, blockCheck(TP_GLM, 2, 'f32', 'none', BLOCK_SETUPS[0]!, 'ascend-ranks-mutant'))).rejects.toThrow(/differs/);
  });
});

describe('ascend ranks on CANN: one rank per NPU, and one NPU per thread', () => {
  it('refuses more ranks than NPUs naming both, and several NPU ranks in one thread', () => {
    expect(refusal(() => hcclRankDevices('ascend', 4, false, 2))).toBe('ascend: 4 tensor-parallel ranks need 4 NPUs (one rank per NPU); this machine has 2');
    expect(refusal(() => hcclRankDevices('ascend', 2, false, 8))).toMatch(/2 NPU ranks in one thread are not possible with CANN/);
    expect(hcclRankDevices('ascend', 1, false, 8)).toEqual([0]);
    expect(hcclRankDevices('ascend', 8, true, 0)).toEqual(new Array(8).fill(0));
  });
});
