/**
 * GLM weights from a safetensors checkpoint folder (one file or index + shards), tensor by tensor:
 * every header is checked against the config's layout first (names, shapes, dtypes, one float dtype
 * for the whole checkpoint), so a wrong checkpoint fails in milliseconds naming file and tensor;
 * then each tensor is read positionally, checked finite and converted, and — for the release's
 * quantize-at-load — quantized right away, so host memory peaks about one tensor above the model.
 */
import { GlmError } from '../../errors.js';
import type { DType } from '../../tensor/dtype.js';
import type { HostTensor } from '../../tensor/host-tensor.js';
import { openSafetensorsCheckpoint, type SafetensorsCheckpoint } from '../../io/safetensors-index.js';
import { quote } from '../../io/safetensors.js';
import { quantizedLinearNames, quantizeRows } from '../../passes/quantize-weights.js';
import type { GlmConfig } from './config.js';
import { weightSpecs, type WeightQuantization, type WeightSpec } from './weights-layout.js';
import { checkWeightKind, finiteInRunDtype } from './weights.js';

export interface LoadProgress {
  readonly doneBytes: number;
  readonly totalBytes: number;
}

export interface LoadWeightsOptions {
  /** The run dtype: float weights are converted to it. */
  readonly dtype: DType;
  /** What the checkpoint itself holds (a pre-quantized checkpoint has i8/i4 Linears and their scales). */
  readonly stored: WeightQuantization;
  /** Quantize the four block Linears as they are read (only from a float checkpoint). */
  readonly quantizeAtLoad?: 'int8' | 'int4';
  readonly onProgress?: (p: LoadProgress) => void;
}

export async function loadWeightFiles(folder: string, config: GlmConfig, options: LoadWeightsOptions): Promise<Map<string, HostTensor>> {
  const checkpoint = await openSafetensorsCheckpoint(folder);
  try {
    const specs = weightSpecs(config, options.dtype, options.stored);
    checkHeaders(checkpoint, specs, config);
    return await readAll(checkpoint, specs, options, options.quantizeAtLoad ? quantizedLinearNames(config) : new Set());
  } finally {
    await checkpoint.close();
  }
}

/** Everything that can be known from the headers alone, before a byte of tensor data is read. */
function checkHeaders(checkpoint: SafetensorsCheckpoint, specs: WeightSpec[], config: GlmConfig): void {
  const wanted = new Set(specs.map((s) => s.name));
  for (const [name, { file }] of checkpoint.tensors) {
    if (!wanted.has(name)) throw new GlmError('input', `${file.path}: unexpected tensor ${quote(name)} for a ${config.name} model`);
  }
  let firstFloat: { name: string; path: string; fileDType: string } | undefined;
  for (const spec of specs) {
    const located = checkpoint.tensors.get(spec.name);
    if (!located) throw new GlmError('input', `${checkpoint.folder}: tensor ${quote(spec.name)} is missing from the checkpoint`);
    const { entry, file } = located;
    checkWeightKind(spec, entry, file.path);
    if (entry.dtype === 'i8' || entry.dtype === 'i4') continue;
    if (!firstFloat) firstFloat = { name: spec.name, path: file.path, fileDType: entry.fileDType };
    else if (entry.fileDType !== firstFloat.fileDType) {
      throw new GlmError('input', `${file.path}: tensor ${quote(spec.name)} is ${entry.fileDType} but ${quote(firstFloat.name)} in ${firstFloat.path} is ${firstFloat.fileDType} (mixed dtypes in one checkpoint)`);
    }
  }
}

async function readAll(checkpoint: SafetensorsCheckpoint, specs: WeightSpec[], options: LoadWeightsOptions, quantized: ReadonlySet<string>): Promise<Map<string, HostTensor>> {
  const totalBytes = checkpoint.files.reduce((sum, f) => sum + f.dataBytes, 0);
  let doneBytes = 0;
  const onBytes = (n: number) => {
    doneBytes += n;
    options.onProgress?.({ doneBytes, totalBytes });
  };
  const out = new Map<string, HostTensor>();
  const read = (spec: WeightSpec | undefined) => (spec ? checkpoint.tensors.get(spec.name)!.file.read(spec.name, onBytes) : undefined);
  // One read ahead: the next tensor arrives (on libuv's thread) while this one is checked and converted.
  let next = read(specs[0]);
  for (const [i, spec] of specs.entries()) {
    const current = await next!;
    next = read(specs[i + 1]);
    const { file } = checkpoint.tensors.get(spec.name)!;
    const t = finiteInRunDtype(spec, current, options.dtype, file.path);
    if (!quantized.has(spec.name)) {
      out.set(spec.name, t);
      continue;
    }
    const { q, scale } = quantizeRows(t, options.quantizeAtLoad === 'int8' ? 8 : 4, options.dtype);
    out.set(spec.name, q);
    out.set(spec.name.replace(/\.weight$/, '.weight_scale'), scale);
  }
  return out;
}
