/**
 * Add CONTROL pieces after a SentencePiece model's own, in the serialized ModelProto: protobuf merges a
 * repeated field's entries in order wherever they appear, so entries appended at the end get the ids
 * n, n+1, … — exactly how THUDM's ChatGLM2/3 tokenizers number their special tokens after the model's
 * pieces. CONTROL pieces are never matched against text (sp_model.encode does not know them either).
 */
const CONTROL = 3;

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
}

/** ModelProto.pieces (field 1) entries: SentencePiece { piece = 1; score = 2 (0); type = 3 (CONTROL) }. */
export function appendControlPieces(model: Uint8Array, pieces: readonly string[]): Uint8Array {
  const bytes: number[] = [];
  for (const piece of pieces) {
    const text = [...new TextEncoder().encode(piece)];
    const body = [0x0a, ...varint(text.length), ...text, 0x15, 0, 0, 0, 0, 0x18, CONTROL];
    bytes.push(0x0a, ...varint(body.length), ...body);
  }
  const out = new Uint8Array(model.length + bytes.length);
  out.set(model);
  out.set(bytes, model.length);
  return out;
}
