// Helpers shared by bench/run.js (language benchmarks) and bench/sched.js (scheduler benchmarks).
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');

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

/** Where two outputs first differ, for a failure message. */
function firstDifference(got, want) {
  const g = got.split('\n');
  const w = want.split('\n');
  for (let i = 0; i < Math.max(g.length, w.length); i++) {
    if (g[i] !== w[i]) return `line ${i + 1}: got ${JSON.stringify(g[i] ?? '<end of output>')}, expected ${JSON.stringify(w[i] ?? '<end of output>')}`;
  }
  return 'outputs differ';
}

/** How a spawnSync run ended, for a failure message; `timedOut` says what a timeout means. */
function describeExit(r, timedOut) {
  if (r.error && r.error.code === 'ETIMEDOUT') return timedOut;
  if (r.error) return `could not start: ${r.error.message}`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit code ${r.status}`;
}

/** A tool's version line, or null when it cannot run (or, with mustSucceed, exits non-zero). */
function probe(cmd, args, mustSucceed = false) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30000 });
  if (r.error || (mustSucceed && r.status !== 0)) return null;
  return firstLine(r.stdout) || firstLine(r.stderr) || '?';
}

/** Parse the `asthra stats:` block that --stats prints on stderr (null when absent). */
function parseStats(stderr) {
  const i = stderr.lastIndexOf('asthra stats:');
  if (i < 0) return null;
  const s = {};
  const mb = (v) => (/MB$/.test(v) ? Math.round(parseFloat(v) * 1048576) : null);
  for (const line of stderr.slice(i).split('\n').slice(1)) {
    const m = /^\s+([a-z ]+?)\s{2,}(.*)$/.exec(line);
    if (!m) continue;
    const [, key, v] = m;
    if (key === 'workers') s.workers = Number(v);
    else if (key === 'allocated') s.allocatedBytes = mb(v);
    else if (key === 'collections') s.collections = Number(v);
    else if (key === 'gc pause total') s.gcPauseTotalMs = parseFloat(v);
    else if (key === 'gc pause max') s.gcPauseMaxMs = parseFloat(v);
    else if (key === 'peak heap') s.peakHeapBytes = mb(v);
    else if (key === 'live after gc') s.liveAfterGcBytes = mb(v);
  }
  return s;
}

/**
 * The options both harnesses take: -h/--help, --runs/-n N, --quick (one run), --json and
 * --filter A,B (checked against `names`), plus `extra`: flag -> (o, arg) setting `o` from
 * arg.value() (the flag's value, `--x v` or `--x=v`) or arg.count() (a positive integer). Bad
 * usage prints `${tool}: message` and the help to stderr and exits with 2.
 */
function parseOptions(argv, { tool, help, defaults, names, extra = {} }) {
  const usage = (msg) => {
    process.stderr.write(`${tool}: ${msg}\n\n${help}`);
    process.exit(2);
  };
  const o = { runs: 5, quick: false, json: false, filter: null, ...defaults };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let val = null;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      val = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const value = () => {
      if (val !== null) return val;
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const count = (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) usage(`${a} needs a positive integer, got '${v}'`);
      return n;
    };
    if (a === '-h' || a === '--help') {
      process.stdout.write(help);
      process.exit(0);
    } else if (a === '--runs' || a === '-n') o.runs = count(value());
    else if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = true;
    else if (a === '--filter') o.filter = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (Object.hasOwn(extra, a)) extra[a](o, { value, count: () => count(value()) });
    else usage(`unknown option '${argv[i]}'`);
  }
  if (o.quick) o.runs = 1;
  if (o.filter) for (const f of o.filter) if (!names.includes(f)) usage(`unknown benchmark '${f}' (have: ${names.join(', ')})`);
  return o;
}

module.exports = { ROOT, rel, firstLine, median, fmtRatio, table, firstDifference, describeExit, probe, parseStats, parseOptions };
