import { intAttr, stringAttr, typeFail, type OpDefinition } from '../op-definition.js';
import { requireDim, requireRank } from './shape-rules.js';

export const attention: OpDefinition = {
  name: 'attention',
  kind: 'composite',
  semantics:
    'Scaled dot-product attention of the GLM release. scores = q·kᵀ/√d; masked scores are set to −10000 (mask "glm": the ' +
    'prefix-bidirectional rule of glm-mask-fill from contextLengths; mask "explicit": an i8 [1|B, 1|heads, Q, K] tensor, broadcast, ' +
    'nonzero = may attend); softmax in fp32; out = P·v. The queries are the last Q of the K key positions (KV cache). ' +
    'The reference computes all of it in float64 and rounds once; the decomposition reproduces the release\'s fp16 path ' +
    '(q pre-divided by √d·c with c = layerIndex + 1, scores in the storage dtype, ×c in fp32). ' +
    'Optional length (i32 [1], read at run time; mask "glm" only): the number of valid key positions of a fixed-capacity ' +
    'cache. The queries sit at positions length−Q … length−1 and keys at positions ≥ length take no part; absent means K. ' +
    'length < Q or length > K is a run-time error. Backends that compute over all K keys give the unused keys zero weight, ' +
    'so the cache\'s unused tail must hold finite values (a zero-filled cache does).',
  inputs: [
    { name: 'q', dtypes: ['f32', 'f16', 'bf16'], doc: '[B, heads, Q, d]' },
    { name: 'k', dtypes: ['f32', 'f16', 'bf16'], doc: '[B, heads, K, d]' },
    { name: 'v', dtypes: ['f32', 'f16', 'bf16'], doc: '[B, heads, K, d]' },
    { name: 'mask', dtypes: ['i32', 'i8'], doc: 'glm: contextLengths i32 [B]; explicit: i8 [1|B, 1|heads, Q, K]' },
    { name: 'length', dtypes: ['i32'], optional: true, doc: '[1]: valid key positions (default K)' },
  ],
  outputs: ['out'],
  attrs: {
    mask: { type: 'string', default: 'glm', oneOf: ['glm', 'explicit'], doc: 'how the 4th input is read' },
    layerIndex: { type: 'int', default: 0, doc: 'the release\'s per-layer score scaling c = layerIndex + 1 (no effect on the exact result)' },
  },
  inferTypes([q, k, v, mask, length], attrs) {
    for (const [t, what] of [[q, 'q'], [k, 'k'], [v, 'v']] as const) requireRank(t!, 4, `attention ${what}`);
    if (k!.dtype !== q!.dtype || v!.dtype !== q!.dtype) typeFail('attention q, k, v must share a dtype');
    for (const axis of [0, 1, 3]) requireDim(k!.shape[axis]!, q!.shape[axis]!, `attention k dim ${axis}`);
    for (const axis of [0, 1, 2, 3]) requireDim(v!.shape[axis]!, k!.shape[axis]!, `attention v dim ${axis}`);
    if (intAttr(attrs, 'layerIndex') < 0) typeFail('layerIndex must be >= 0');
    if (stringAttr(attrs, 'mask') === 'glm') {
      if (mask!.dtype !== 'i32') typeFail('glm mask input is contextLengths (i32)');
      requireRank(mask!, 1, 'attention contextLengths');
      requireDim(mask!.shape[0]!, q!.shape[0]!, 'attention contextLengths batch');
    } else {
      if (mask!.dtype !== 'i8') typeFail('explicit mask must be i8');
      requireRank(mask!, 4, 'attention mask');
      const [mb, mh] = mask!.shape;
      if (mb !== 1) requireDim(mb!, q!.shape[0]!, 'attention mask batch (1 or B)');
      if (mh !== 1) requireDim(mh!, q!.shape[1]!, 'attention mask heads (1 or heads)');
      requireDim(mask!.shape[2]!, q!.shape[2]!, 'attention mask query length');
      requireDim(mask!.shape[3]!, k!.shape[2]!, 'attention mask key length');
      // An explicit mask already says which keys each query sees: it can leave out the unused tail itself.
      if (length) typeFail('attention length needs mask "glm" (with an explicit mask, mask the keys >= length in it)');
    }
    if (length) {
      requireRank(length, 1, 'attention length');
      requireDim(length.shape[0]!, 1, 'attention length size');
    }
    return [q!];
  },
  decompose(b, [q, k, v, mask, length], attrs) {
    const d = q!.type.shape[3] as number;
    const c = intAttr(attrs, 'layerIndex') + 1;
    const dtype = q!.type.dtype;
    const scaledQ = b.op1('scale', [q!], { factor: 1 / (Math.sqrt(d) * c) }, 'scale_q');
    const scores = b.op1('matmul', [scaledQ, k!], { transposeB: true }, 'scores');
    const masked =
      stringAttr(attrs, 'mask') === 'glm'
        ? b.op1('glm-mask-fill', length ? [scores, mask!, length] : [scores, mask!], { value: -10000 }, 'mask')
        : b.op1('masked-fill', [scores, mask!], { value: -10000 }, 'mask');
    const wide = dtype === 'f32' ? masked : b.op1('cast', [masked], { to: 'f32' }, 'to_f32');
    const unscaled = c === 1 ? wide : b.op1('scale', [wide], { factor: c }, 'unscale');
    const probs = b.op1('softmax', [unscaled], { axis: -1 }, 'softmax');
    const narrow = dtype === 'f32' ? probs : b.op1('cast', [probs], { to: dtype }, 'to_storage');
    return [b.op1('matmul', [narrow, v!], {}, 'context')];
  },
};
