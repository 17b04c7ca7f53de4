export {
  SentencePieceTokenizer,
  DEFAULT_SPECIAL_PIECES,
  ICETK_IMAGE_TOKENS,
  ICETK_SPECIAL_TOKENS,
  ICETK_VOCAB_SIZE,
  type SentencePieceLayout,
  type SentencePieceLoadOptions,
} from './tokenizer.js';
export { parseModelProto, ModelType, PieceType, type SentencePieceModelData, type NormalizerSpecData } from './model-proto.js';
export { Normalizer, SPACE_SYMBOL } from './normalizer.js';
