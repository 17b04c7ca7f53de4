import type { RefKernel } from './kernel.js';
import { gegluRows } from './geglu.js';

export const biasGeglu: RefKernel = ([x, bias]) => [gegluRows(x!, bias!)];
