// Helpers shared by bench/run.js (language benchmarks) and bench/sched.js (scheduler benchmarks).
'use strict';
const path = require('path');

const ROOT = path.resolve(__dirname, '..');

/** A path relative to the repository, for messages. */
function rel(p) {
  return path.relative(ROOT, p) || '.';
}

function firstLine(s) {
  return (s.trim().split('\n')[0] || '').trim();
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmtRatio(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (x >= 100) return `${x.toFixed(0)}x`;
  if (x >= 10) return `${x.toFixed(1)}x`;
  return `${x.toFixed(2)}x`;
}

/** A plain-text table: right-aligned columns except those listed in alignLeft. */
function table(header, rows, alignLeft) {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (alignLeft.includes(i) ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ').trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

module.exports = { ROOT, rel, firstLine, median, fmtRatio, table };
