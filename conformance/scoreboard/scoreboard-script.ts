/**
 * The scoreboard page's inline script (plain browser JavaScript, no library): a click (or Enter) on
 * a grid cell lists the cell's cases that are not a plain pass — status, reason, repro line — and,
 * where the report ran with --perf, each case's median time across the reports of its backend as a
 * small inline SVG line chart.
 */
export const SCOREBOARD_SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('scoreboard-data').textContent);
  var details = document.getElementById('details');
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
  }
  function chart(points) {
    var w = 160, h = 36, pad = 4;
    var values = points.map(function (p) { return p.medianMs; });
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    var span = hi - lo || Math.max(hi, 1e-9);
    var xy = points.map(function (p, i) {
      var x = points.length === 1 ? w / 2 : pad + (i * (w - 2 * pad)) / (points.length - 1);
      var y = h - pad - ((p.medianMs - lo) / span) * (h - 2 * pad);
      return [x, y, p];
    });
    var line = xy.map(function (q) { return q[0].toFixed(1) + ',' + q[1].toFixed(1); }).join(' ');
    var dots = xy.map(function (q) {
      return '<circle cx="' + q[0].toFixed(1) + '" cy="' + q[1].toFixed(1) + '" r="2.5"><title>' + esc(q[2].label + ' ' + q[2].date.slice(0, 10) + ': ' + q[2].medianMs.toFixed(4) + ' ms ± ' + q[2].spreadMs.toFixed(4)) + '</title></circle>';
    }).join('');
    return '<svg class="chart" width="' + w + '" height="' + h + '" viewBox="0 0 ' + w + ' ' + h + '" role="img" aria-label="median ms across reports">' +
      '<polyline fill="none" stroke="#0969da" stroke-width="1.5" points="' + line + '"/>' + dots + '</svg>';
  }
  function perfSection(column, group) {
    var perf = data.perf[column];
    var series = perf && perf[group];
    if (!series) return '';
    var rows = series.map(function (s) {
      var last = s.points[s.points.length - 1];
      return '<tr class="perf-row" data-case-id="' + esc(s.id) + '"><td><code>' + esc(s.id) + '</code></td><td class="ms">' +
        (last ? last.medianMs.toFixed(4) : '—') + '</td><td>' + s.points.length + '</td><td>' + chart(s.points) + '</td></tr>';
    }).join('');
    return '<h3>Timings (median ms of the last run; chart: every --perf report of ' + esc(data.columns[column].backend) + ', oldest first)</h3>' +
      '<table class="perf"><thead><tr><th>case</th><th>ms</th><th>reports</th><th>chart</th></tr></thead><tbody>' + rows + '</tbody></table>';
  }
  function show(td) {
    var g = Number(td.getAttribute('data-group')), c = Number(td.getAttribute('data-column'));
    var cell = data.cells[g][c], col = data.columns[c];
    var prev = document.querySelector('td.cell.selected');
    if (prev) prev.classList.remove('selected');
    td.classList.add('selected');
    var items = cell.listed.map(function (x) {
      var detail = data.details[x.detail];
      var repro = x.repro || 'glm conformance --backend ' + col.backend + " --case '" + x.id + "'";
      return '<li class="case ' + esc(x.status) + '" data-case-id="' + esc(x.id) + '"><span class="status">' + esc(x.status) + '</span> <code>' + esc(x.id) + '</code>' +
        (detail ? ': <span class="reason">' + esc(detail) + '</span>' : '') + '<code class="repro">' + esc(repro) + '</code></li>';
    }).join('');
    details.className = 'open';
    details.innerHTML = '<button class="close" type="button">close</button><h2>' + esc(data.groups[g]) + ' on ' + esc(col.label) + '</h2>' +
      '<p>' + esc(col.device) + ' — ' + cell.pass + '/' + cell.total + ' pass</p>' +
      (items ? '<ol class="cases">' + items + '</ol>' : '<p class="all-pass">Every case of this group passes.</p>') + perfSection(c, g);
  }
  details.addEventListener('click', function (e) {
    if (!e.target.closest('button.close')) return;
    details.className = '';
    details.innerHTML = '<p>Click a cell to list its cases.</p>';
    var prev = document.querySelector('td.cell.selected');
    if (prev) prev.classList.remove('selected');
  });
  document.getElementById('grid').addEventListener('click', function (e) {
    var td = e.target.closest('td.cell');
    if (td && td.getAttribute('data-state') !== 'empty') show(td);
  });
  document.getElementById('grid').addEventListener('keydown', function (e) {
    var td = e.target.closest && e.target.closest('td.cell');
    if (td && e.key === 'Enter' && td.getAttribute('data-state') !== 'empty') show(td);
  });
})();
`;
