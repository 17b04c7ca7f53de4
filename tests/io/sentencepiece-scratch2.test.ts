import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { parseModelProto } from '../../core/io/sentencepiece/index.js';
it('p', () => {
  const m = parseModelProto(readFileSync('tests/io/fixtures/spm/glm-tiny-ud.model'), 'x');
  console.log({ ...m.normalizer, precompiledCharsmap: m.normalizer.precompiledCharsmap.length }, m.denormalizer, m.pieces.slice(0, 15), m.treatWhitespaceAsSuffix);
});
