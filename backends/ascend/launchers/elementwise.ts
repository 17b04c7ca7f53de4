/** Element-wise arithmetic and conversions (vector unit). */
import { aclnnLauncher } from './aclnn-launcher.js';

export const ELEMENTWISE = aclnnLauncher(['Add', 'Adds', 'Mul', 'Muls', 'Neg', 'Cast', 'Log', 'Exp']);
