/**
 * One GLM block (DeepNorm post-LN), emitted into a builder. Activations are [batch, seq, hidden];
 * attention works on [batch, heads, seq, headDim]. The KV cache comes in one of three forms
 * (see KvCacheForm) and leaves as the present key/value.
 */
import type { DType } from '../../tensor/dtype.js';
import type { GraphBuilder, Value } from '../../ir/builder.js';
import { deepnormAlpha, type GlmConfig } from './config.js';
import { layerPrefix, linearShapes, type WeightQuantization } from './weights-layout.js';

/**
 * How a block meets its KV cache.
 * - 'functional': past [cacheBatch, heads, past, d] is reordered by `cacheIndex` (beam search) and
 *   concatenated with this call's keys/values: a pure function, the form reference checks use. Every
 *   call copies the whole cache.
 * - 'in-place-start': a fixed-capacity cache [batch, heads, capacity, d] gets this call's keys/values
 *   written at `cacheOffset` (0 for a prompt); attention sees only this call's tokens.
 * - 'in-place-extend': the same write, then attention over the first `kvLength` cache positions. Shapes
 *   do not change from one decode step to the next (offset and length are device scalars), so a
 *   backend can record the step once and replay it. Rows are reordered outside the graph.
 */
export type KvCacheForm = 'functional' | 'in-place-start' | 'in-place-extend';

export type CacheInputs =
  | { form: 'functional'; cacheIndex: Value /* i32 [batch] */; pastKey: Value; pastValue: Value }
  | { form: 'in-place-start'; cacheOffset: Value /* i32 [1] */; pastKey: Value; pastValue: Value }
  | { form: 'in-place-extend'; cacheOffset: Value; kvLength: Value /* i32 [1]: cacheOffset + seq */; pastKey: Value; pastValue: Value };

export interface BlockInputs {
  hidden: Value; // [batch, seq, hidden]
  positions: Value; // i32 [batch, seq]
  blockPositions: Value | null; // i32 [batch, seq], 2-D rotary only
  contextLengths: Value; // i32 [batch]
  cache: CacheInputs;
}

export interface BlockOutputs {
  hidden: Value;
  presentKey: Value; // functional: [batch, heads, past+seq, d]; in place: [batch, heads, capacity, d]
  presentValue: Value;
}

export interface BlockOptions {
  readonly dtype: DType;
  readonly quantization: WeightQuantization;
}

function layerNorm(b: GraphBuilder, c: GlmConfig, x: Value, prefix: string, name: string): Value {
  const weight = b.param(`${prefix}.weight`, x.type.dtype, [c.hiddenSize]);
  const bias = b.param(`${prefix}.bias`, x.type.dtype, [c.hiddenSize]);
  return b.op1('layer-norm', [x, weight, bias], { eps: c.layerNormEps }, name);
}

type LinearKey = keyof ReturnType<typeof linearShapes>;

/** A Linear layer's parameters: the weight (with its scale when quantized) and the bias. */
function linearParams(b: GraphBuilder, c: GlmConfig, prefix: string, key: LinearKey, o: BlockOptions) {
  const [out, inner] = linearShapes(c)[key];
  const quantized = o.quantization !== 'none';
  const weightDtype: DType = o.quantization === 'int8' ? 'i8' : o.quantization === 'int4' ? 'i4' : o.dtype;
  return {
    weight: b.param(`${prefix}.${key}.weight`, weightDtype, [out, inner]),
    bias: b.param(`${prefix}.${key}.bias`, o.dtype, [out]),
    scale: quantized ? b.param(`${prefix}.${key}.weight_scale`, o.dtype, [out]) : null,
  };
}

function linear(b: GraphBuilder, c: GlmConfig, x: Value, prefix: string, key: LinearKey, o: BlockOptions, name: string): Value {
  const p = linearParams(b, c, prefix, key, o);
  return b.op1('linear', [x, p.weight, p.bias, p.scale], {}, name);
}

/**
 * A Linear layer whose bias the next op adds (qkv-bias-rope, bias-geglu): the product alone, so a
 * backend can fold the bias into the pass that reads the product anyway.
 */
function linearWithoutBias(b: GraphBuilder, c: GlmConfig, x: Value, prefix: string, key: LinearKey, o: BlockOptions, name: string) {
  const p = linearParams(b, c, prefix, key, o);
  return { product: b.op1('linear', [x, p.weight, null, p.scale], {}, name), bias: p.bias };
}

export function glmBlock(b: GraphBuilder, c: GlmConfig, layer: number, input: BlockInputs, o: BlockOptions): BlockOutputs {
  const prefix = layerPrefix(layer);
  const alpha = deepnormAlpha(c);
  return b.scope(`layers.${layer}`, () => {
    const a = layerNorm(b, c, input.hidden, `${prefix}.input_layernorm`, 'input_layernorm');

    // QKV: per head the output holds [q_h | k_h | v_h] (interleaved per head, not three blocks).
    const qkv = linearWithoutBias(b, c, a, prefix, 'attention.query_key_value', o, 'qkv');
    const [q, k, v] = b.op(
      'qkv-bias-rope',
      [qkv.product, qkv.bias, input.positions, input.blockPositions],
      { heads: c.numHeads, mode: c.rotary, base: c.rotaryBase },
      'qkv_bias_rope',
    ) as [Value, Value, Value];

    const cache = input.cache;
    let presentKey: Value;
    let presentValue: Value;
    let attended: [Value, Value, Value, Value] | [Value, Value, Value, Value, Value];
    if (cache.form === 'functional') {
      const pastKey = b.op1('gather', [cache.pastKey, cache.cacheIndex], { axis: 0 }, 'reorder_past_key');
      const pastValue = b.op1('gather', [cache.pastValue, cache.cacheIndex], { axis: 0 }, 'reorder_past_value');
      presentKey = b.op1('concat', [pastKey, k], { axis: 2 }, 'append_key');
      presentValue = b.op1('concat', [pastValue, v], { axis: 2 }, 'append_value');
      attended = [q, presentKey, presentValue, input.contextLengths];
    } else {
      presentKey = b.op1('cache-write', [cache.pastKey, k, cache.cacheOffset], {}, 'write_key');
      presentValue = b.op1('cache-write', [cache.pastValue, v, cache.cacheOffset], {}, 'write_value');
      attended =
        cache.form === 'in-place-start'
          ? [q, k, v, input.contextLengths]
          : [q, presentKey, presentValue, input.contextLengths, cache.kvLength];
    }

    const context = b.op1('attention', attended, { mask: 'glm', layerIndex: layer }, 'attention');
    const merged = b.op1(
      'reshape',
      [b.op1('transpose', [context], { perm: [0, 2, 1, 3] }, 'context_tokens')],
      { shape: ['batch', 'seq', c.hiddenSize] },
      'context_merge',
    );
    const attentionOut = linear(b, c, merged, prefix, 'attention.dense', o, 'dense');
    const h = b.op1('deepnorm-residual', [a, attentionOut], { alpha }, 'attention_residual');

    const m = layerNorm(b, c, h, `${prefix}.post_attention_layernorm`, 'post_attention_layernorm');
    let activated: Value;
    if (c.mlp === 'geglu') {
      const up = linearWithoutBias(b, c, m, prefix, 'mlp.dense_h_to_4h', o, 'up');
      activated = b.op1('bias-geglu', [up.product, up.bias], {}, 'bias_geglu');
    } else {
      activated = b.op1('gelu', [linear(b, c, m, prefix, 'mlp.dense_h_to_4h', o, 'up')], { approximate: 'tanh' }, 'gelu');
    }
    const down = linear(b, c, activated, prefix, 'mlp.dense_4h_to_h', o, 'down');
    const out = b.op1('deepnorm-residual', [m, down], { alpha }, 'mlp_residual');
    return { hidden: out, presentKey, presentValue };
  });
}
