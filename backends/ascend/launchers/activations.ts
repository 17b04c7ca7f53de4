/** Activations: GELU in both forms (aclnnGelu is the tanh form; GeluV2 takes the form) and the fused GeGLU and SwiGLU of A2/A3. */
import { aclnnLauncher } from './aclnn-launcher.js';

export const ACTIVATIONS = aclnnLauncher(['Gelu', 'GeluV2', 'GeGluV3', 'SwiGlu']);
