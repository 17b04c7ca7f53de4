/** Reductions and selection: sums, maxima and the device-side top-k that keeps logits on the device. */
import { aclnnLauncher } from './aclnn-launcher.js';

export const REDUCTIONS = aclnnLauncher(['ReduceSum', 'Amax', 'MaxDim', 'ArgMax', 'Topk']);
