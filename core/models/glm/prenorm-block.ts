/**
 * The pre-norm block of ChatGLM2/3 and GLM-4 (THUDM chatglm2-6b modeling_chatglm.py `GLMBlock`;
 * HF transformers modeling_glm.py `GlmDecoderLayer`), emitted into a builder:
 *   a = RMSNorm(x); [q | k | v] = a·W_qkvᵀ + b_qkv (q: heads·d, k and v: kvHeads·d each);
 *   q, k rotated on the first half of each head with interleaved pairs; attention of every query head
 *   with its group's KV head, causal; h = x + (context)·W_denseᵀ;
 *   out = h + SwiGLU(RMSNorm(h)·W_h_to_4hᵀ)·W_4h_to_hᵀ       (no bias but the QKV projection's).
 * GLM-4-0414 (`sandwichNorm`, transformers' Glm4DecoderLayer) norms each sublayer's output before the add:
 *   h = x + RMSNorm_post_self_attn(attention), out = h + RMSNorm_post_mlp(mlp).
 * The KV cache holds the kvHeads heads only. Cache forms as in block.ts.
 */
import type { GraphBuilder, Value } from '../../ir/builder.js';
import type { DType } from '../../tensor/dtype.js';
import type { BlockInputs, BlockOptions, BlockOutputs } from './block.js';
import { hasSandwichNorm, headDim, kvHeads, type GlmConfig } from './config.js';
import { prenormLayerPrefix, prenormLinearShapes, type PrenormLinear } from './prenorm-weights.js';

function rmsNorm(b: GraphBuilder, c: GlmConfig, x: Value, name: string, prefix: string): Value {
  const weight = b.param(`${prefix}.${name}.weight`, x.type.dtype, [c.hiddenSize]);
  return b.op1('rms-norm', [x, weight], { eps: c.layerNormEps }, name);
}

function linear(b: GraphBuilder, c: GlmConfig, x: Value, prefix: string, key: PrenormLinear, o: BlockOptions, name: string): Value {
  const [out, inner] = prenormLinearShapes(c)[key];
  const quantized = o.quantization !== 'none';
  const weightDtype: DType = o.quantization === 'int8' ? 'i8' : o.quantization === 'int4' ? 'i4' : o.dtype;
  const weight = b.param(`${prefix}.${key}.weight`, weightDtype, [out, inner]);
  const scale = quantized ? b.param(`${prefix}.${key}.weight_scale`, o.dtype, [out]) : null;
  const bias = key === 'self_attention.query_key_value' ? b.param(`${prefix}.${key}.bias`, o.dtype, [out]) : null;
  return b.op1('linear', [x, weight, bias, scale], {}, name);
}

/** What a sublayer adds to the residual: its output, RMS-normed first where the config has sandwich norms (GLM-4-0414). */
function sublayerOutput(b: GraphBuilder, c: GlmConfig, x: Value, norm: 'post_self_attn_layernorm' | 'post_mlp_layernorm', prefix: string): Value {
  return hasSandwichNorm(c) ? rmsNorm(b, c, x, norm, prefix) : x;
}

/** [batch, seq, n·d] → [batch, n, seq, d]. */
function heads(b: GraphBuilder, x: Value, n: number, d: number, name: string): Value {
  const split = b.op1('reshape', [x], { shape: ['batch', 'seq', n, d] }, `${name}_split`);
  return b.op1('transpose', [split], { perm: [0, 2, 1, 3] }, name);
}

export function prenormBlock(b: GraphBuilder, c: GlmConfig, layer: number, input: BlockInputs, o: BlockOptions): BlockOutputs {
  const prefix = prenormLayerPrefix(layer);
  const d = headDim(c);
  const kv = kvHeads(c);
  return b.scope(`layers.${layer}`, () => {
    const a = rmsNorm(b, c, input.hidden, 'input_layernorm', prefix);
    const qkv = linear(b, c, a, prefix, 'self_attention.query_key_value', o, 'qkv');
    const [qFlat, kFlat, vFlat] = b.op('split', [qkv], { axis: -1, sizes: [c.numHeads * d, kv * d, kv * d] }, 'qkv_split');
    const rope = (x: Value, name: string) => b.op1('interleaved-rope', [x, input.positions], { rotaryDim: d / 2, base: c.rotaryBase }, name);
    const q = rope(heads(b, qFlat!, c.numHeads, d, 'q_heads'), 'rope_q');
    const k = rope(heads(b, kFlat!, kv, d, 'k_heads'), 'rope_k');
    const v = heads(b, vFlat!, kv, d, 'v_heads');

    const { presentKey, presentValue, attended } = withCache(b, input, q, k, v);
    // Causal: the GLM mask keeps j < contextLength or j ≤ i; with the [sop] index of a [gMASK]<sop> prompt (1) or 0, that is j ≤ i.
    const context = b.op1('grouped-query-attention', attended, { mask: 'glm', layerIndex: 0 }, 'attention');
    const merged = b.op1('reshape', [b.op1('transpose', [context], { perm: [0, 2, 1, 3] }, 'context_tokens')], { shape: ['batch', 'seq', c.numHeads * d] }, 'context_merge');
    const h = b.op1('add', [input.hidden, sublayerOutput(b, c, linear(b, c, merged, prefix, 'self_attention.dense', o, 'dense'), 'post_self_attn_layernorm', prefix)], {}, 'attention_residual');

    const m = rmsNorm(b, c, h, 'post_attention_layernorm', prefix);
    const activated = b.op1('swiglu', [linear(b, c, m, prefix, 'mlp.dense_h_to_4h', o, 'up')], {}, 'swiglu');
    const out = b.op1('add', [h, sublayerOutput(b, c, linear(b, c, activated, prefix, 'mlp.dense_4h_to_h', o, 'down'), 'post_mlp_layernorm', prefix)], {}, 'mlp_residual');
    return { hidden: out, presentKey, presentValue };
  });
}

/** The KV cache of one layer in its form (block.ts's KvCacheForm), with kvHeads heads; the attention's inputs. */
function withCache(b: GraphBuilder, input: BlockInputs, q: Value, k: Value, v: Value) {
  const cache = input.cache;
  if (cache.form === 'functional') {
    const pastKey = b.op1('gather', [cache.pastKey, cache.cacheIndex], { axis: 0 }, 'reorder_past_key');
    const pastValue = b.op1('gather', [cache.pastValue, cache.cacheIndex], { axis: 0 }, 'reorder_past_value');
    const presentKey = b.op1('concat', [pastKey, k], { axis: 2 }, 'append_key');
    const presentValue = b.op1('concat', [pastValue, v], { axis: 2 }, 'append_value');
    return { presentKey, presentValue, attended: [q, presentKey, presentValue, input.contextLengths] };
  }
  const presentKey = b.op1('cache-write', [cache.pastKey, k, cache.cacheOffset], {}, 'write_key');
  const presentValue = b.op1('cache-write', [cache.pastValue, v, cache.cacheOffset], {}, 'write_value');
  const attended = cache.form === 'in-place-start' ? [q, k, v, input.contextLengths] : [q, presentKey, presentValue, input.contextLengths, cache.kvLength];
  return { presentKey, presentValue, attended };
}
