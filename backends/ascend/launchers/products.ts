/** Cube products: plain and batched matrix products, with an added matrix, and weight-only quantized products (A2/A3). */
import { aclnnLauncher } from './aclnn-launcher.js';

export const PRODUCTS = aclnnLauncher(['Matmul', 'BatchMatMul', 'Baddbmm', 'Addmm', 'WeightQuantBatchMatmulV2']);
