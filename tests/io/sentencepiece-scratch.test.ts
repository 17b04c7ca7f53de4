import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { SentencePieceTokenizer } from '../../core/io/sentencepiece/index.js';
it('scratch extra models', async () => {
  const dir = 'tests/io/fixtures/spm/';
  const lines = ['heldout-sample', 'normalization-cases', 'user-defined-cases'].flatMap((n) => readFileSync(dir + n + '.txt', 'utf8').split('\n').slice(0, -1));
  for (const m of ['glm-tiny-bpe', 'glm-tiny-ud']) {
    const tok = await SentencePieceTokenizer.load(dir + m + '.model');
    const ids = readFileSync(dir + m + '.ids', 'utf8').split('\n').slice(0, -1);
    const dec = readFileSync(dir + m + '.decoded', 'utf8').split('\n').slice(0, -1);
    let ok = 0, okDec = 0; let shown = 0;
    lines.forEach((l, i) => {
      const mine = tok.encodePlain(l).join(' ');
      if (mine === ids[i]) ok++; else if (shown++ < 4) console.log(m, 'IDS', i, JSON.stringify(l).slice(0, 80), '\n mine', mine.slice(0, 300), '\n spm ', ids[i]!.slice(0, 300));
      const d = tok.decode(ids[i]!.split(' ').filter(Boolean).map(Number));
      if (d === dec[i]) okDec++; else if (shown++ < 8) console.log(m, 'DEC', i, JSON.stringify(d), JSON.stringify(dec[i]));
    });
    console.log(m, tok.model.modelTypeName, lines.length, ok, okDec);
  }
});
