/**
 * matmul and linear as GEMM records. Batch dims are merged where their strides allow, a batch
 * broadcasting B folds into M (one large product), and the rest loop. linear passes its bias with the
 * product (a GEMM epilogue: cuBLASLt's, the tiled GEMM's or the GEMV's); quantized weights go through the GEMV kernel for a few rows (decode) or are
 * dequantized into a scratch matrix for long inputs (prefill). A linear fused with the DeepNorm
 * residual after it (simt-target.ts) also passes that residual (the gemm record's addend, beta = alpha).
 */
import { GlmError, type DType } from '../../../core/backend-api/plugin-api.js';
import { dtypeCode, GEMM_PATH, OP } from '../launch-codes.js';
import { broadcastStrides, countOf, elementBytes, mergeDims, ptrOf, rowMajorStrides, type Loc, type Ptr } from '../../program/locations.js';
import type { SimtLowering, SimtStep } from './simt-lowering.js';

interface Gemm {
  typeAB: DType;
  typeB: DType;
  typeC: DType;
  m: number;
  n: number;
  k: number;
  a: Ptr;
  lda: number;
  strideA: number;
  b: Ptr;
  ldb: number;
  strideB: number;
  transB: boolean;
  c: Ptr;
  ldc: number;
  strideC: number;
  batch: number;
  alpha: number;
  bias: Ptr | null;
  scale: Ptr | null;
  /** Added as beta·addend after the product and bias (a contiguous [m, n] like C; batch 1). */
  addend?: { ptr: Ptr; beta: number };
  path: number;
}

export function emitGemm(ctx: Pick<SimtStep, 'emit'>, g: Gemm): void {
  ctx.emit(OP.gemm, [
    dtypeCode(g.typeAB), dtypeCode(g.typeB), dtypeCode(g.typeC), g.m, g.n, g.k,
    g.a, g.lda, g.strideA, g.b, g.ldb, g.strideB, g.transB ? 1 : 0, g.c, g.ldc, g.strideC,
    g.batch, g.alpha, g.bias, g.scale, g.addend?.ptr ?? null, g.addend?.beta ?? 0, g.path,
  ]);
}

function offset(p: Ptr, bytes: number): Ptr {
  return { storage: p.storage, byteOffset: p.byteOffset + bytes };
}

/** A matrix operand the GEMMs can read: unit stride along its rows, row stride ≥ row length. */
function asMatrix(ctx: SimtStep, x: Loc): Loc {
  const r = x.shape.length;
  const cols = x.shape[r - 1]!;
  const rows = x.shape[r - 2]!;
  const unitRows = cols === 1 || x.strides[r - 1] === 1;
  const ld = rows === 1 ? cols : x.strides[r - 2]!;
  return unitRows && ld >= cols ? x : ctx.contiguous(x);
}

function leadingDim(x: Loc): number {
  const r = x.shape.length;
  return x.shape[r - 2] === 1 ? Math.max(1, x.shape[r - 1]!) : x.strides[r - 2]!;
}

export const matmul: SimtLowering = (ctx) => {
  const transB = ctx.node.attrs['transposeB'] === true;
  const a = asMatrix(ctx, ctx.input(0)!);
  const b = asMatrix(ctx, ctx.input(1)!);
  const out = ctx.output(0);
  if (countOf(out.shape) === 0) return;
  const m = a.shape[a.shape.length - 2]!;
  const k = a.shape[a.shape.length - 1]!;
  const n = out.shape[out.shape.length - 1]!;
  if (k === 0) throw new GlmError('unsupported', `${ctx.backend}: matmul with an empty contraction (node "${ctx.node.name}")`);
  const lda = leadingDim(a);
  const ldb = leadingDim(b);
  const batchShape = out.shape.slice(0, -2);
  const sub = (x: Loc) => ({ shape: x.shape.slice(0, -2), strides: x.strides.slice(0, -2) });
  const merged = mergeDims(batchShape, [broadcastStrides(sub(a), batchShape), broadcastStrides(sub(b), batchShape), rowMajorStrides(out.shape).slice(0, -2)]);
  const [sa, sb, sc] = merged.strides as [number[], number[], number[]];
  const esA = elementBytes(a.dtype);
  const esB = elementBytes(b.dtype);
  const esC = elementBytes(out.dtype);
  const base: Omit<Gemm, 'm' | 'a' | 'b' | 'c' | 'strideA' | 'strideB' | 'strideC' | 'batch' | 'path'> = {
    typeAB: a.dtype, typeB: b.dtype, typeC: out.dtype, n, k, lda, ldb, transB, ldc: n, alpha: 1, bias: null, scale: null,
  };
  const gemvRows = (rows: number) => (transB && rows <= ctx.options.gemvMaxRows ? GEMM_PATH.gemv : GEMM_PATH.auto);
  const dims = merged.shape.length;
  if (dims === 0) {
    emitGemm(ctx, { ...base, m, a: ptrOf(a), b: ptrOf(b), c: ptrOf(out), strideA: 0, strideB: 0, strideC: 0, batch: 1, path: gemvRows(m) });
    return;
  }
  const last = dims - 1;
  if (dims === 1 && sb[0] === 0 && sa[0] === m * lda && sc[0] === m * n) {
    const rows = merged.shape[0]! * m;
    emitGemm(ctx, { ...base, m: rows, a: ptrOf(a), b: ptrOf(b), c: ptrOf(out), strideA: 0, strideB: 0, strideC: 0, batch: 1, path: gemvRows(rows) });
    return;
  }
  // Loop over all merged batch dims but the last; the last is one strided batch.
  const outer = merged.shape.slice(0, last);
  const total = countOf(outer);
  for (let t = 0; t < total; t++) {
    let rest = t;
    let oa = 0, ob = 0, oc = 0;
    for (let d = outer.length - 1; d >= 0; d--) {
      const i = rest % outer[d]!;
      rest = Math.floor(rest / outer[d]!);
      oa += i * sa[d]!;
      ob += i * sb[d]!;
      oc += i * sc[d]!;
    }
    emitGemm(ctx, {
      ...base, m,
      a: offset(ptrOf(a), oa * esA), b: offset(ptrOf(b), ob * esB), c: offset(ptrOf(out), oc * esC),
      strideA: sa[last]!, strideB: sb[last]!, strideC: sc[last]!, batch: merged.shape[last]!, path: GEMM_PATH.auto,
    });
  }
};

export const linear: SimtLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const w = ctx.contiguous(ctx.input(1)!);
  const bias = ctx.input(2);
  const scale = ctx.input(3);
  const out = ctx.output(0);
  const [n, k] = w.shape as [number, number];
  const rows = k === 0 ? 0 : countOf(x.shape) / k;
  if (rows * n === 0) return;
  if (k === 0) throw new GlmError('unsupported', `${ctx.backend}: linear with no input features (node "${ctx.node.name}")`);
  const quantized = w.dtype === 'i8' || w.dtype === 'i4';
  // The DeepNorm residual after the product, when the target's epilogue fusion gave it to this node.
  const fused = ctx.fusedEpilogue();
  const common = {
    typeAB: x.dtype, typeC: out.dtype, m: rows, n, k, a: ptrOf(x), lda: k, strideA: 0, transB: true,
    c: ptrOf(out), ldc: n, strideC: 0, batch: 1, alpha: 1, bias: bias ? ptrOf(ctx.contiguous(bias)) : null, strideB: 0,
    addend: fused ? { ptr: ptrOf(fused.addend), beta: fused.consumer.attrs['alpha'] as number } : undefined,
  };
  if (quantized && rows > 16) {
    const weight = ctx.temp(x.dtype, [n, k]);
    ctx.emit(OP.dequantize, [dtypeCode(w.dtype), dtypeCode(x.dtype), ptrOf(weight), ptrOf(w), ptrOf(ctx.contiguous(scale!)), n, k]);
    emitGemm(ctx, { ...common, typeB: x.dtype, b: ptrOf(weight), ldb: k, scale: null, path: GEMM_PATH.auto });
    return;
  }
  const path = quantized || rows <= ctx.options.gemvMaxRows ? GEMM_PATH.gemv : GEMM_PATH.auto;
  emitGemm(ctx, { ...common, typeB: w.dtype, b: ptrOf(w), ldb: k, scale: quantized ? ptrOf(ctx.contiguous(scale!)) : null, path });
};
