/** Data movement: strided copies (InplaceCopy between views), masked fills, gathers and rolls. */
import { aclnnLauncher } from './aclnn-launcher.js';

export const MOVEMENT = aclnnLauncher(['InplaceCopy', 'InplaceMaskedFillScalar', 'Roll', 'Embedding', 'GatherV2']);
