/** Row normalisations: softmax, log-softmax, LayerNorm and (A2/A3) RmsNorm. */
import { aclnnLauncher } from './aclnn-launcher.js';

export const NORMALISATION = aclnnLauncher(['Softmax', 'LogSoftmax', 'LayerNorm', 'RmsNorm']);
