/** JUnit XML for CI systems: one testsuite per level, one testcase per case. */
import type { ConformanceReport } from './report.js';

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

export function renderJunit(report: ConformanceReport): string {
  const levels = [...new Set(report.results.map((r) => r.level))];
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = report.counts.fail + report.counts['unexpected-pass'];
  const skipped = report.counts.unsupported + report.counts['expected-failure'] + report.counts.mistrusted;
  const partial = report.partial ? ` PARTIAL: ${escape(report.partial.reason)} after ${report.partial.done} of ${report.partial.selected} cases` : '';
  lines.push(`<testsuites name="glm conformance: ${escape(report.backend)} (${escape(report.execution)})${partial}" tests="${report.results.length}" failures="${failures}" skipped="${skipped}" time="${report.seconds.toFixed(3)}">`);
  for (const level of levels) {
    const results = report.results.filter((r) => r.level === level);
    const f = results.filter((r) => r.status === 'fail' || r.status === 'unexpected-pass').length;
    const s = results.filter((r) => r.status === 'unsupported' || r.status === 'expected-failure' || r.status === 'mistrusted').length;
    const time = results.reduce((t, r) => t + r.seconds, 0);
    lines.push(`  <testsuite name="${escape(`${report.backend}.${level}`)}" tests="${results.length}" failures="${f}" skipped="${s}" time="${time.toFixed(3)}">`);
    for (const r of results) {
      const open = `    <testcase classname="${escape(`${report.backend}.${level}.${r.subject}`)}" name="${escape(r.id)}" time="${r.seconds.toFixed(3)}"`;
      const detail = escape(`${r.detail ?? ''}${r.repro ? `\nrepro: ${r.repro}` : ''}`);
      if (r.status === 'pass') lines.push(`${open}/>`);
      else if (r.status === 'fail' || r.status === 'unexpected-pass') lines.push(`${open}><failure message="${escape(r.status)}: ${escape((r.detail ?? '').slice(0, 500))}">${detail}</failure></testcase>`);
      else lines.push(`${open}><skipped message="${escape(r.status)}: ${escape((r.detail ?? '').slice(0, 500))}"/></testcase>`);
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}
