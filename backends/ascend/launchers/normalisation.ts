/** Row normalisations: softmax, log-softmax and LayerNorm. */
import { aclnnLauncher } from './aclnn-launcher.js';

export const NORMALISATION = aclnnLauncher(['Softmax', 'LogSoftmax', 'LayerNorm']);
