/**
 * The DCU build's vendor-BLAS detection (backends/rocm-dcu/native/build.sh, find_vendor_blas), run
 * through its `blas` part against install prefixes made here: a library counts only with both its
 * header and its shared object under one prefix, hipBLAS before rocBLAS, GLM_DCU_BLAS=none|hipblas|
 * rocblas obeyed. No ROCm on this host: what the flags then compile against is checked elsewhere
 * (docs/backends/rocm-dcu.md, "Vendor BLAS").
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BUILD_SH = join(process.cwd(), 'backends/rocm-dcu/native/build.sh');
const root = mkdtempSync(join(tmpdir(), 'glm-dcu-blas-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A prefix with the named files (empty: detection looks at presence, not contents). */
function prefix(name: string, files: readonly string[]): string {
  const dir = join(root, name);
  for (const f of files) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), '');
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

function detect(prefixes: readonly string[], choice?: string): { status: number | null; out: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, GLM_DCU_BUILD: 'blas', GLM_DCU_BLAS_PREFIXES: prefixes.join(' ') };
  if (choice) env.GLM_DCU_BLAS = choice;
  else delete env.GLM_DCU_BLAS;
  const r = spawnSync('bash', [BUILD_SH], { env, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

const hipblas = prefix('dtk', ['include/hipblas/hipblas.h', 'lib/libhipblas.so.0', 'include/rocblas/rocblas.h', 'lib/librocblas.so.0']);
const rocblasOnly = prefix('rocm', ['include/rocblas.h', 'lib64/librocblas.so']);
const headerOnly = prefix('headers', ['include/hipblas.h', 'include/rocblas/rocblas.h']);
const libraryOnly = prefix('libs', ['lib/libhipblas.so', 'lib/librocblas.so.4']);
const empty = prefix('empty', []);

describe('rocm-dcu build: vendor BLAS detection', () => {
  it('hipBLAS wins where a prefix has both, with its include and library directories', () => {
    const r = detect([hipblas]);
    expect(r.status).toBe(0);
    expect(r.out).toContain(`flags -DGLM_DCU_HIPBLAS=1 -I ${hipblas}/include libs -L ${hipblas}/lib -lhipblas`);
  });

  it('rocBLAS alone (include/rocblas.h, lib64) is found after an earlier prefix without either', () => {
    const r = detect([empty, rocblasOnly]);
    expect(r.status).toBe(0);
    expect(r.out).toContain(`flags -DGLM_DCU_ROCBLAS=1 -I ${rocblasOnly}/include libs -L ${rocblasOnly}/lib64 -lrocblas`);
  });

  it('a header without its library, or a library without its header, is no BLAS: the portable GEMM', () => {
    const r = detect([headerOnly, libraryOnly]);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/no vendor BLAS: the portable tiled GEMM only/);
    expect(r.out).not.toMatch(/-DGLM_DCU_(HIP|ROC)BLAS/);
  });

  it('GLM_DCU_BLAS: none skips a present BLAS, rocblas passes over hipBLAS, a missing required one fails', () => {
    expect(detect([hipblas], 'none').out).not.toMatch(/-DGLM_DCU_/);
    expect(detect([hipblas], 'rocblas').out).toContain(`-DGLM_DCU_ROCBLAS=1 -I ${hipblas}/include`);
    const missing = detect([rocblasOnly], 'hipblas');
    expect(missing.status).toBe(1);
    expect(missing.out).toMatch(/GLM_DCU_BLAS=hipblas but hipblas was not found/);
    expect(detect([hipblas], 'cublas').status).toBe(2);
  });
});
