/**
 * matmul and linear as gemm records (kernels/gemm.c and kernels/gemv.c; the launcher picks the GEMV
 * for a few rows and the mesh GEMM otherwise, and the tiles from the chip's LDM). Operands are
 * matrices with unit-stride rows and any row stride (strided DMA reads them); batch dims merge where
 * their strides allow, a batch broadcasting B folds into M, and the rest loop. linear passes its bias,
 * and the DeepNorm residual when the target's epilogue fusion gave it one (added as beta·addend).
 */
import { GlmError, type DType } from '../../../core/backend-api/plugin-api.js';
import { dtypeCode, OP } from '../launch-codes.js';
import { broadcastStrides, countOf, elementBytes, mergeDims, ptrOf, rowMajorStrides, type Loc, type Ptr } from '../../program/locations.js';
import type { SunwayLowering, SunwayStep } from './sunway-lowering.js';

interface Gemm {
  readonly typeA: DType;
  readonly typeB: DType;
  readonly typeC: DType;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: Ptr;
  readonly lda: number;
  readonly strideA: number;
  readonly b: Ptr;
  readonly ldb: number;
  readonly strideB: number;
  readonly transB: boolean;
  readonly c: Ptr;
  readonly ldc: number;
  readonly strideC: number;
  readonly batch: number;
  readonly bias: Ptr | null;
  /** Added as beta·addend after the product and bias (contiguous [m, n] like C; batch 1). */
  readonly addend?: { readonly ptr: Ptr; readonly beta: number };
}

export function emitGemm(ctx: Pick<SunwayStep, 'emit'>, g: Gemm): void {
  ctx.emit(OP.gemm, [
    dtypeCode(g.typeA), dtypeCode(g.typeB), dtypeCode(g.typeC), g.m, g.n, g.k,
    g.a, g.lda, g.strideA, g.b, g.ldb, g.strideB, g.transB ? 1 : 0, g.c, g.ldc, g.strideC, g.batch,
    g.bias, g.addend?.ptr ?? null, g.addend?.beta ?? 0,
  ]);
}

function offset(p: Ptr, bytes: number): Ptr {
  return { storage: p.storage, byteOffset: p.byteOffset + bytes };
}

/** A matrix operand the kernels read: unit stride along its rows, row stride ≥ row length. */
function asMatrix(ctx: SunwayStep, x: Loc): Loc {
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

/** Element offsets of batch entry t of the outer (looped) merged dims. */
function outerOffsets(outer: readonly number[], strides: readonly (readonly number[])[], t: number): number[] {
  const offsets = strides.map(() => 0);
  let rest = t;
  for (let d = outer.length - 1; d >= 0; d--) {
    const i = rest % outer[d]!;
    rest = Math.floor(rest / outer[d]!);
    strides.forEach((s, k) => (offsets[k]! += i * s[d]!));
  }
  return offsets;
}

export const matmul: SunwayLowering = (ctx) => {
  const transB = ctx.node.attrs['transposeB'] === true;
  const a = asMatrix(ctx, ctx.input(0)!);
  const b = asMatrix(ctx, ctx.input(1)!);
  const out = ctx.output(0);
  if (countOf(out.shape) === 0) return;
  const m = a.shape[a.shape.length - 2]!;
  const k = a.shape[a.shape.length - 1]!;
  const n = out.shape[out.shape.length - 1]!;
  if (k === 0) throw new GlmError('unsupported', `${ctx.backend}: matmul with an empty contraction (node "${ctx.node.name}")`);
  const batchShape = out.shape.slice(0, -2);
  const sub = (x: Loc) => ({ shape: x.shape.slice(0, -2), strides: x.strides.slice(0, -2) });
  const merged = mergeDims(batchShape, [broadcastStrides(sub(a), batchShape), broadcastStrides(sub(b), batchShape), rowMajorStrides(out.shape).slice(0, -2)]);
  const [sa, sb, sc] = merged.strides as [number[], number[], number[]];
  const base = { typeA: a.dtype, typeB: b.dtype, typeC: out.dtype, n, k, lda: leadingDim(a), ldb: leadingDim(b), transB, ldc: n, bias: null };
  const dims = merged.shape.length;
  if (dims === 0 || (dims === 1 && sb[0] === 0 && sa[0] === m * base.lda && sc[0] === m * n)) {
    // One product (a batch that broadcasts B and has contiguous A and C is M rows more).
    const rows = dims === 0 ? m : merged.shape[0]! * m;
    emitGemm(ctx, { ...base, m: rows, a: ptrOf(a), b: ptrOf(b), c: ptrOf(out), strideA: 0, strideB: 0, strideC: 0, batch: 1 });
    return;
  }
  // Loop over all merged batch dims but the last; the last is one strided batch.
  const last = dims - 1;
  const outer = merged.shape.slice(0, last);
  const [esA, esB, esC] = [elementBytes(a.dtype), elementBytes(b.dtype), elementBytes(out.dtype)];
  for (let t = 0; t < countOf(outer); t++) {
    const [oa, ob, oc] = outerOffsets(outer, [sa, sb, sc], t) as [number, number, number];
    emitGemm(ctx, {
      ...base, m, a: offset(ptrOf(a), oa * esA), b: offset(ptrOf(b), ob * esB), c: offset(ptrOf(out), oc * esC),
      strideA: sa[last]!, strideB: sb[last]!, strideC: sc[last]!, batch: merged.shape[last]!,
    });
  }
};

export const linear: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const w = ctx.contiguous(ctx.input(1)!);
  const bias = ctx.input(2);
  const out = ctx.output(0);
  const [n, k] = w.shape as [number, number];
  const rows = k === 0 ? 0 : countOf(x.shape) / k;
  if (rows * n === 0) return;
  if (k === 0) throw new GlmError('unsupported', `${ctx.backend}: linear with no input features (node "${ctx.node.name}")`);
  // The DeepNorm residual after the product, when the target's epilogue fusion gave it to this node.
  const fused = ctx.fusedEpilogue();
  emitGemm(ctx, {
    typeA: x.dtype, typeB: w.dtype, typeC: out.dtype, m: rows, n, k, a: ptrOf(x), lda: k, strideA: 0,
    b: ptrOf(w), ldb: k, strideB: 0, transB: true, c: ptrOf(out), ldc: n, strideC: 0, batch: 1,
    bias: bias ? ptrOf(ctx.contiguous(bias)) : null,
    ...(fused ? { addend: { ptr: ptrOf(fused.addend), beta: fused.consumer.attrs['alpha'] as number } } : {}),
  });
};
