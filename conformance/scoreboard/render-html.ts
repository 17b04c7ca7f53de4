/**
 * The scoreboard page (`glm conformance --matrix --html FILE`): one self-contained static HTML file —
 * inline CSS, inline script, the data inline as JSON — so it opens from disk, from a CI artifact or
 * from GitHub Pages with no network. The grid is rendered here (readable without script); the
 * script only lists a clicked cell's cases and draws their timings as inline SVG.
 */
import type { ConformanceReport } from '../reports/report.js';
import { scoreboardData, type ScoreboardCell, type ScoreboardColumn, type ScoreboardData } from './scoreboard-data.js';
import { SCOREBOARD_SCRIPT } from './scoreboard-script.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON that is safe inside <script>: no "</script", no "<!--". */
function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const BADGE: Record<ScoreboardColumn['execution'], string> = { hardware: 'hardware', emulator: 'emulator', reference: 'cpu reference' };

function columnHeader(c: ScoreboardColumn, i: number): string {
  return `<th class="col" data-column="${i}" scope="col">
  <div class="label">${escapeHtml(c.label)}</div>
  <span class="badge ${c.execution}">${BADGE[c.execution]}</span>
  <div class="meta" title="${escapeHtml(c.device)}">${escapeHtml(c.device)}</div>
  <div class="meta">date <span class="date">${escapeHtml(c.date.slice(0, 16).replace('T', ' '))}</span></div>
  <div class="meta">commit <code class="commit">${escapeHtml(c.commit.slice(0, 10))}</code></div>
  <div class="meta">suite <code class="suite" title="${escapeHtml(c.suiteHash ?? 'made before suite identities')}">${escapeHtml(c.suiteHash?.slice(0, 12) ?? '—')}</code></div>
  <div class="meta">${c.counts.pass}/${c.cases} pass${c.perf ? ' · perf' : ''}</div>
</th>`;
}

function cellText(cell: ScoreboardCell): string {
  if (cell.state === 'empty') return '—';
  const extra = [
    cell.counts.fail || cell.counts['unexpected-pass'] ? `${(cell.counts.fail ?? 0) + (cell.counts['unexpected-pass'] ?? 0)} fail` : '',
    cell.counts.unsupported ? `${cell.counts.unsupported} unsup.` : '',
    cell.counts['expected-failure'] ? `${cell.counts['expected-failure']} xfail` : '',
    cell.counts.mistrusted ? `${cell.counts.mistrusted} mistr.` : '',
  ].filter((s) => s !== '');
  return `${cell.pass}/${cell.total}${extra.length ? `<small>${extra.join(', ')}</small>` : ''}`;
}

function gridRow(data: ScoreboardData, g: number): string {
  const cells = data.cells[g]!.map((cell, i) =>
    `<td class="cell ${cell.state}" data-group="${g}" data-column="${i}" data-state="${cell.state}" data-pass="${cell.pass}" data-total="${cell.total}"${cell.state === 'empty' ? '' : ' tabindex="0"'}>${cellText(cell)}</td>`,
  );
  return `<tr><th scope="row" class="group">${escapeHtml(data.groups[g]!)}</th>${cells.join('')}</tr>`;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1f24}
h1{font-size:1.4em;margin:0 0 .3em}
p.note{color:#555;max-width:70em}
.legend span{display:inline-block;padding:.1em .6em;margin-right:.4em;border-radius:3px}
table#grid{border-collapse:collapse;margin-top:1em}
#grid th,#grid td{border:1px solid #d0d7de;padding:.25em .5em;vertical-align:top}
#grid th.col{min-width:9em;max-width:14em;text-align:left;font-weight:normal;background:#f6f8fa}
#grid th.col .label{font-weight:bold}
#grid th.group{text-align:left;font-weight:normal;white-space:nowrap}
.meta{font-size:.8em;color:#555;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.badge{font-size:.75em;padding:0 .4em;border-radius:8px;color:#fff}
.badge.hardware{background:#1a7f37}.badge.emulator{background:#9a6700}.badge.reference{background:#57606a}
td.cell{text-align:center;cursor:pointer;white-space:nowrap}
td.cell small{display:block;font-size:.75em}
.pass{background:#d1f0d8}.partial{background:#fff1c2}.unsupported{background:#e4e6e9}.fail{background:#ffd0cc}.empty{background:#fff;cursor:default!important}
td.cell.selected{outline:3px solid #0969da}
#details{margin-top:1.5em;max-width:90em}
#details.open{position:fixed;top:0;right:0;width:42%;height:100%;overflow:auto;margin:0;padding:0 1em 1em;background:#fff;border-left:2px solid #0969da;box-shadow:-4px 0 12px rgba(0,0,0,.15)}
#details button.close{float:right;margin-top:1em}
#details li{margin:.3em 0}
#details code.repro{display:block;background:#f6f8fa;padding:.15em .4em;user-select:all}
.status{font-weight:bold}
svg.chart{vertical-align:middle;margin-left:.6em}
`;

export function renderScoreboardHtml(labelled: readonly { label: string; report: ConformanceReport }[], generated = new Date().toISOString()): string {
  const data = scoreboardData(labelled);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>glm-sdk conformance scoreboard</title>
<style>${STYLE}</style></head>
<body>
<h1>glm-sdk conformance scoreboard</h1>
<p class="note">Generated ${escapeHtml(generated)} by <code>glm conformance --matrix --html</code> from ${data.columns.length} report(s).
Each cell: passing cases / cases run in that case group. A badge says where the results came from: real hardware,
an emulator (not real hardware), or the CPU reference. Click a cell to list its cases that are not a plain pass,
with the reason and the command that reruns each one${data.perf.some((p) => p) ? ', and the timings of reports run with <code>--perf</code>' : ''}.</p>
<p class="legend"><span class="pass">all run pass</span><span class="partial">some unsupported</span><span class="unsupported">all unsupported</span><span class="fail">failures</span></p>
<table id="grid">
<thead><tr><th scope="col">case group</th>${data.columns.map(columnHeader).join('\n')}</tr></thead>
<tbody>
${data.groups.map((_, g) => gridRow(data, g)).join('\n')}
</tbody></table>
<section id="details" aria-live="polite"><p>Click a cell to list its cases.</p></section>
<script type="application/json" id="scoreboard-data">${inlineJson(data)}</script>
<script>${SCOREBOARD_SCRIPT}</script>
</body></html>
`;
}
