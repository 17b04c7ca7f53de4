/**
 * tiktoken's byte_pair_encode: a piece that is itself a token is one id; otherwise start from single
 * bytes and repeatedly merge the adjacent pair whose joined bytes have the lowest rank (the leftmost
 * on a tie), until no joined pair is a token.
 */
export function bytePairEncode(piece: Uint8Array, ranks: ReadonlyMap<string, number>): number[] {
  const whole = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength).toString('latin1'); // one code unit per byte
  const direct = ranks.get(whole);
  if (direct !== undefined) return [direct];
  // parts[i] is the start offset of the i-th part; the last entry is the end.
  const starts = Array.from({ length: piece.length + 1 }, (_, i) => i);
  const rankOf = (i: number): number => (i + 2 < starts.length ? ranks.get(whole.slice(starts[i], starts[i + 2])) ?? Infinity : Infinity);
  const pairRanks = starts.map((_, i) => rankOf(i));
  for (;;) {
    let best = Infinity;
    let at = -1;
    for (let i = 0; i < pairRanks.length - 1; i++) {
      if (pairRanks[i]! < best) {
        best = pairRanks[i]!;
        at = i;
      }
    }
    if (at < 0) break;
    starts.splice(at + 1, 1);
    pairRanks.splice(at + 1, 1);
    pairRanks[at] = rankOf(at);
    if (at > 0) pairRanks[at - 1] = rankOf(at - 1);
  }
  const ids: number[] = [];
  for (let i = 0; i + 1 < starts.length; i++) {
    const rank = ranks.get(whole.slice(starts[i], starts[i + 1]));
    if (rank === undefined) throw new Error(`unreachable: every single byte has a rank (${i})`);
    ids.push(rank);
  }
  return ids;
}
