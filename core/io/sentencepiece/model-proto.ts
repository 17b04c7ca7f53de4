/**
 * SentencePiece's `.model` file: a serialized `ModelProto` (sentencepiece_model.proto, proto2).
 * Only the fields the encoder and decoder need are declared, through protobufjs's reflection API
 * (no .proto file, no code generation); unknown fields are skipped by the decoder, as protobuf
 * allows. Defaults are the ones of the .proto, so a field missing from the file reads as its default.
 *
 * The file is untrusted: everything is checked here, and each problem becomes a one-line
 * GlmError('input') naming the source.
 */
import protobuf from 'protobufjs/light.js';
import { GlmError } from '../../errors.js';

/** `ModelProto.SentencePiece.Type`. */
export const PieceType = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;
export type PieceType = (typeof PieceType)[keyof typeof PieceType];

/** `TrainerSpec.ModelType`. */
export const ModelType = { UNIGRAM: 1, BPE: 2, WORD: 3, CHAR: 4 } as const;
export type ModelType = (typeof ModelType)[keyof typeof ModelType];
const MODEL_TYPE_NAMES: Record<number, string> = { 1: 'unigram', 2: 'bpe', 3: 'word', 4: 'char' };

export interface NormalizerSpecData {
  name: string;
  /** The compiled normalization rules (a Darts double-array trie and the replacement strings); may be empty. */
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

export interface SentencePieceModelData {
  pieces: string[];
  /** Scores as stored: float32 values. */
  scores: Float32Array;
  types: Uint8Array;
  modelType: ModelType;
  modelTypeName: string;
  byteFallback: boolean;
  treatWhitespaceAsSuffix: boolean;
  /** What the decoder prints for `<unk>` (TrainerSpec.unk_surface, default " ⁇ "). */
  unkSurface: string;
  normalizer: NormalizerSpecData;
  /** Present only when the model has one (rare); applied to decoded text. */
  denormalizer: NormalizerSpecData | undefined;
}

// Field numbers and defaults from sentencepiece_model.proto. Names are camelCase as protobufjs uses them.
// `edition: 'proto2'` matters: without it protobufjs reads fields with proto3's implicit presence, so
// an explicit `add_dummy_prefix: false` on the wire would read back as the default, true.
const SCHEMA: protobuf.INamespace = {
  nested: {
    TrainerSpec: {
      edition: 'proto2',
      fields: {
        modelType: { type: 'int32', id: 3, options: { default: ModelType.UNIGRAM } },
        treatWhitespaceAsSuffix: { type: 'bool', id: 24, options: { default: false } },
        byteFallback: { type: 'bool', id: 35, options: { default: false } },
        unkSurface: { type: 'string', id: 44, options: { default: ' \u2047 ' } },
      },
    },
    NormalizerSpec: {
      edition: 'proto2',
      fields: {
        name: { type: 'string', id: 1 },
        precompiledCharsmap: { type: 'bytes', id: 2 },
        addDummyPrefix: { type: 'bool', id: 3, options: { default: true } },
        removeExtraWhitespaces: { type: 'bool', id: 4, options: { default: true } },
        escapeWhitespaces: { type: 'bool', id: 5, options: { default: true } },
      },
    },
    ModelProto: {
      edition: 'proto2', // and so SentencePiece nested in it
      fields: {
        pieces: { rule: 'repeated', type: 'SentencePiece', id: 1 },
        trainerSpec: { type: 'TrainerSpec', id: 2 },
        normalizerSpec: { type: 'NormalizerSpec', id: 3 },
        denormalizerSpec: { type: 'NormalizerSpec', id: 5 },
      },
      nested: {
        SentencePiece: {
          fields: {
            piece: { type: 'string', id: 1 },
            score: { type: 'float', id: 2 },
            type: { type: 'int32', id: 3, options: { default: PieceType.NORMAL } },
          },
        },
      },
    },
  },
};

let root: protobuf.Root | undefined;
function lookup(name: 'ModelProto' | 'TrainerSpec'): protobuf.Type {
  root ??= protobuf.Root.fromJSON(SCHEMA);
  return root.lookupType(name);
}

interface RawPiece {
  piece: string;
  score: number;
  type: number;
}
interface RawNormalizer {
  name: string;
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}
interface RawTrainer {
  modelType: number;
  treatWhitespaceAsSuffix: boolean;
  byteFallback: boolean;
  unkSurface: string;
}
interface RawModel {
  pieces: RawPiece[];
  // Absent sub-messages read as null (protobufjs's default for message fields).
  trainerSpec: RawTrainer | null;
  normalizerSpec: RawNormalizer | null;
  denormalizerSpec: RawNormalizer | null;
}

const VALID_TYPES = new Set<number>(Object.values(PieceType));

/** Decode and check a `.model` file's bytes; `source` names the file in errors. */
export function parseModelProto(bytes: Uint8Array, source: string): SentencePieceModelData {
  const fail = (what: string): GlmError => new GlmError('input', `${source}: not a valid SentencePiece model: ${what}`);
  if (bytes.length === 0) throw fail('the file is empty');
  let raw: RawModel;
  try {
    raw = lookup('ModelProto').decode(bytes) as unknown as RawModel;
  } catch (err) {
    // protobufjs says e.g. "index out of range: 1003 + 10 > 1000" (truncated) or "invalid wire type 4 at offset 3".
    const reason = String((err as Error)?.message ?? err).split('\n')[0];
    throw fail(`protobuf decoding failed (${reason}); the file is truncated or is not a .model file`);
  }

  const n = raw.pieces.length;
  if (n === 0) throw fail('it has no pieces');
  const pieces: string[] = new Array<string>(n);
  const scores = new Float32Array(n);
  const types = new Uint8Array(n);
  const seen = new Map<string, number>();
  let unknowns = 0;
  let bytePieces = 0;
  for (let i = 0; i < n; i++) {
    const p = raw.pieces[i]!;
    if (p.piece.length === 0) throw fail(`piece ${i} is empty`);
    if (!VALID_TYPES.has(p.type)) throw fail(`piece ${i} (${JSON.stringify(p.piece)}) has unknown type ${p.type}`);
    if (!Number.isFinite(p.score)) throw fail(`piece ${i} (${JSON.stringify(p.piece)}) has score ${p.score}`);
    const previous = seen.get(p.piece);
    if (previous !== undefined) throw fail(`piece ${JSON.stringify(p.piece)} is defined twice (ids ${previous} and ${i})`);
    seen.set(p.piece, i);
    if (p.type === PieceType.UNKNOWN) unknowns++;
    if (p.type === PieceType.BYTE) {
      if (!/^<0x[0-9A-F]{2}>$/.test(p.piece)) throw fail(`byte piece ${i} is ${JSON.stringify(p.piece)}, not <0xXX>`);
      bytePieces++;
    }
    pieces[i] = p.piece;
    scores[i] = p.score;
    types[i] = p.type;
  }
  if (unknowns !== 1) throw fail(unknowns === 0 ? 'it has no <unk> piece' : `it has ${unknowns} <unk> pieces`);

  const trainer = raw.trainerSpec ?? (lookup('TrainerSpec').decode(new Uint8Array(0)) as unknown as RawTrainer);
  const modelType = trainer.modelType as ModelType;
  if (MODEL_TYPE_NAMES[modelType] === undefined) throw fail(`unknown model type ${trainer.modelType}`);
  if (bytePieces > 0 && !trainer.byteFallback) throw fail('it has byte pieces but byte_fallback is off');
  if (trainer.byteFallback && bytePieces !== 256) throw fail(`byte_fallback is on but it has ${bytePieces} of the 256 byte pieces`);

  const normalizer = (spec: RawNormalizer | null): NormalizerSpecData =>
    spec === null
      ? { name: '', precompiledCharsmap: new Uint8Array(0), addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true }
      : {
          name: spec.name,
          // protobufjs gives a Buffer when the field is set, an empty array when it is not.
          precompiledCharsmap: spec.precompiledCharsmap instanceof Uint8Array ? spec.precompiledCharsmap : Uint8Array.from(spec.precompiledCharsmap ?? []),
          addDummyPrefix: spec.addDummyPrefix,
          removeExtraWhitespaces: spec.removeExtraWhitespaces,
          escapeWhitespaces: spec.escapeWhitespaces,
        };

  return {
    pieces,
    scores,
    types,
    modelType,
    modelTypeName: MODEL_TYPE_NAMES[modelType]!,
    byteFallback: trainer.byteFallback,
    treatWhitespaceAsSuffix: trainer.treatWhitespaceAsSuffix,
    unkSurface: trainer.unkSurface,
    normalizer: normalizer(raw.normalizerSpec),
    denormalizer: raw.denormalizerSpec === null ? undefined : normalizer(raw.denormalizerSpec),
  };
}
