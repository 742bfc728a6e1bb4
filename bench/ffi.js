#!/usr/bin/env node
'use strict';
// C interop benchmarks: calls into C and back, whole-process wall times, ratios taken in one run.
//   abs        1M #[non_blocking] calls of C's abs, against plain JS calling the same koffi
//              function and CPython's ctypes (each skipped, with a note, when missing)
//   isolation  1,000 CPU-bound tasks beside 8 tasks each in a 200 ms blocking C call, against
//              the same 1,000 tasks alone (2 workers): blocking calls must not slow the rest
//   roundtrip  20,000 blocking calls one after another (park, FFI thread, wake-up): the
//              difference to a run with no calls, per call, in microseconds
//   callbacks  a C thread calling back 100,000 times, each call a task: callbacks per second
// Run `node bench/ffi.js --help` for the options (also: asthra bench ffi).

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { ROOT, median, fmtRatio, table, firstDifference, describeExit, probe, parseOptions } = require('./lib');

const ASTHRA = path.join(ROOT, 'bin', 'asthra');
const NODE = process.execPath;
const DIR = path.join(__dirname, 'ffi');
const LIB_DIR = path.join(ROOT, 'build', 'clib');
const RUN_TIMEOUT_MS = 120 * 1000;
const NAMES = ['abs', 'isolation', 'roundtrip', 'callbacks'];

const HELP = `usage: node bench/ffi.js [options]      (also: asthra bench ffi)

C interop: calls into C and back, whole-process wall times (medians), ratios in one run.

  --runs N          timed runs per command (default 5)
  --quick           1 timed run, no warm-up
  --filter NAMES    only these benchmarks (comma-separated): ${NAMES.join(', ')}
  --json            print the results as JSON instead of tables (progress stays on stderr)
  -h, --help        this help

Exit code: 0 ok, 1 a program printed wrong output, crashed or hung, 2 bad usage.
`;

const opts = parseOptions(process.argv.slice(2), { tool: 'ffi', help: HELP, defaults: {}, names: NAMES });
const want = (name) => !opts.filter || opts.filter.includes(name);
const failures = [];
const notes = [];

function log(s) {
  process.stderr.write(s + '\n');
}

/** Time `cmd args` (median ms of opts.runs runs after one warm-up), checking its stdout. */
function timed(label, cmd, args, expected) {
  const times = [];
  const runs = opts.quick ? 1 : opts.runs + 1;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: RUN_TIMEOUT_MS, maxBuffer: 1 << 26 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.error || r.status !== 0 || r.stdout !== expected) {
      const why = r.error || r.status !== 0 ? describeExit(r, 'hung') + (r.stderr ? `: ${r.stderr.trim().split('\n')[0]}` : '') : firstDifference(r.stdout, expected);
      failures.push(`${label}: ${why}`);
      return null;
    }
    if (opts.quick || i > 0) times.push(ms);
  }
  log(`  ${label}: ${median(times).toFixed(1)} ms`);
  return median(times);
}

/** The .astb of each program, built once (as bench lang and bench sched do: the timed runs
 * are `asthra exec`, so compiling is not part of the figure, as Go's build is not). */
const OUT = path.join(__dirname, 'out', 'ffi');
const built = new Map();
function astbOf(file) {
  if (built.has(file)) return built.get(file);
  fs.mkdirSync(OUT, { recursive: true });
  const out = path.join(OUT, file.replace(/\.asthra$/, '.astb'));
  const r = spawnSync(NODE, [ASTHRA, 'build', path.join(DIR, file), '-o', out], { cwd: ROOT, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  if (r.error || r.status !== 0) {
    process.stderr.write(`ffi: \`asthra build ${file}\` failed (${describeExit(r, 'hung')}):\n${(r.stderr || '').trim()}\n`);
    process.exit(1);
  }
  built.set(file, out);
  return out;
}

function asthra(file, extra = [], programArgs = []) {
  return [ASTHRA, 'exec', '--lib-path', LIB_DIR, ...extra, astbOf(file), ...programArgs];
}

function buildLib() {
  const r = spawnSync(NODE, [path.join(ROOT, 'tools', 'build-clib.js')], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write('ffi: cannot build the C library the benchmarks call (see above)\n');
    process.exit(1);
  }
}

const results = {};

function benchAbs() {
  const expected = 'sum 499999500000\n';
  const a = timed('abs: Asthra (#[non_blocking])', NODE, asthra('abs.asthra'), expected);
  const js = timed('abs: plain JS + koffi', NODE, [path.join(DIR, 'abs.js')], expected);
  const python = probe('python3', ['--version'], true);
  let py = null;
  if (python === null) notes.push('abs: python3 is not installed, so the ctypes comparison is skipped');
  else py = timed('abs: CPython ctypes', 'python3', [path.join(DIR, 'abs.py')], 'sum 499999500000\n');
  results.abs = { asthraMs: a, jsMs: js, pythonMs: py, vsJs: a && js ? a / js : null, vsPython: a && py ? a / py : null };
}

function benchIsolation() {
  const alone = timed('isolation: 1,000 tasks alone (2 workers)', NODE, asthra('isolation.asthra', ['--workers', '2']), 'checksum 59999338 codes 0\n');
  const mixed = timed('isolation: the same beside 8 blocking C calls', NODE, asthra('isolation.asthra', ['--workers', '2'], ['blockers']), 'checksum 59999338 codes 28\n');
  results.isolation = { aloneMs: alone, withBlockingMs: mixed, ratio: alone && mixed ? mixed / alone : null };
}

function benchRoundtrip() {
  const none = timed('roundtrip: no calls', NODE, asthra('roundtrip.asthra', ['--workers', '1']), 'calls 0 sum 0\n');
  const calls = timed('roundtrip: 20,000 blocking calls', NODE, asthra('roundtrip.asthra', ['--workers', '1'], ['calls']), 'calls 20000 sum 200010000\n');
  const us = none !== null && calls !== null ? ((calls - none) * 1000) / 20000 : null;
  results.roundtrip = { noCallsMs: none, callsMs: calls, microsecondsPerCall: us };
}

function benchCallbacks() {
  const none = timed('callbacks: none', NODE, asthra('callbacks.asthra'), 'callbacks 0 sum 0\n');
  const all = timed('callbacks: 100,000 from a C thread', NODE, asthra('callbacks.asthra', [], ['go']), 'callbacks 100000 sum 4999950000\n');
  const perSec = none !== null && all !== null && all > none ? 100000 / ((all - none) / 1000) : null;
  results.callbacks = { noneMs: none, callbacksMs: all, callbacksPerSecond: perSec };
}

function main() {
  buildLib();
  if (want('abs')) benchAbs();
  if (want('isolation')) benchIsolation();
  if (want('roundtrip')) benchRoundtrip();
  if (want('callbacks')) benchCallbacks();
  if (opts.json) {
    process.stdout.write(JSON.stringify({ results, notes, failures }, null, 2) + '\n');
  } else {
    const ms = (v) => (v === null || v === undefined ? '-' : v.toFixed(1));
    const rows = [];
    const r = results;
    if (r.abs) {
      rows.push(['abs', 'Asthra / plain JS (koffi)', `${ms(r.abs.asthraMs)} / ${ms(r.abs.jsMs)} ms`, fmtRatio(r.abs.vsJs), 'at most 1.5x']);
      if (r.abs.pythonMs !== null) rows.push(['abs', 'Asthra / CPython ctypes', `${ms(r.abs.asthraMs)} / ${ms(r.abs.pythonMs)} ms`, fmtRatio(r.abs.vsPython), 'below 1x']);
    }
    if (r.isolation) rows.push(['isolation', 'beside 8 blocking calls / alone', `${ms(r.isolation.withBlockingMs)} / ${ms(r.isolation.aloneMs)} ms`, fmtRatio(r.isolation.ratio), 'at most 1.15x']);
    if (r.roundtrip) rows.push(['roundtrip', 'blocking call, park and wake', `${r.roundtrip.microsecondsPerCall === null ? '-' : r.roundtrip.microsecondsPerCall.toFixed(1)} us per call`, '-', 'under 20 us']);
    if (r.callbacks) rows.push(['callbacks', 'calls from a C thread, each a task', `${r.callbacks.callbacksPerSecond === null ? '-' : Math.round(r.callbacks.callbacksPerSecond).toLocaleString('en')} per second`, '-', 'reported']);
    process.stdout.write('\n' + table(['benchmark', 'measure', 'figure', 'ratio', 'target'], rows, [0, 1, 2]) + '\n');
    for (const n of notes) process.stdout.write(`note: ${n}\n`);
    for (const f of failures) process.stdout.write(`FAILED: ${f}\n`);
  }
  process.exit(failures.length ? 1 : 0);
}

main();
