/**
 * Fused attention (A2/A3): FlashAttentionScore and FusedInferAttentionScoreV2 as plain records, and
 * FlashAttentionScore with sparseMode 5 for the GLM mask in prefill, whose prefix IntArray (the
 * columns every query sees: contextLengths) must be known on the host when the executor is made: it
 * is read back from the device (a synchronisation and a copy of B int32s), and the executor is made
 * again only when those values change.
 */
import { opParams } from '../acl/op-params.js';
import { HOST_STEPS } from '../launch-codes.js';
import { aclnnLauncher } from './aclnn-launcher.js';
import { runOp, type Launcher } from './launcher.js';
import type { TensorArg } from './decoded-record.js';

export const FUSED_ATTENTION = aclnnLauncher(['FlashAttentionScore', 'FusedInferAttentionScoreV2']);

const PREFIX_PARAM = opParams('FlashAttentionScore').findIndex((p) => p.name === 'prefixOptional');

export const FLASH_ATTENTION_GLM: Launcher = {
  codes: [HOST_STEPS.flashAttentionGlm],
  launch(env, record, state) {
    const [contextLengths] = record.args as [TensorArg];
    const prefix = Array.from(env.readInt32(contextLengths.address + contextLengths.offset * 4, contextLengths.shape[0]!));
    const args = record.wrapped.map((a, i) => (i === PREFIX_PARAM ? prefix : a));
    runOp(env, state, 'FlashAttentionScore', args, prefix.join(','));
  },
};
