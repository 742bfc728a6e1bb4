#!/usr/bin/env node
'use strict';
// Closure calls against direct calls: bench/closures/direct.asthra calls a top-level function
// 5 million times in a loop, closure.asthra the same body as a closure (capturing a number)
// through a `fn(i64, i64) -> i64` parameter. Both build once with `asthra build`, then run
// alternately (N rounds, after a warm-up round), with the native tier on and off; the table
// gives min and median whole-process times, the net times (min minus the startup program's
// min) and the ratio closure / direct of the net times. Plain Node.js; see bench/README.md.
//
//   npm run build && node bench/closures.js [--runs N]

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const ASTHRA = path.join(ROOT, 'bin', 'asthra');
const DIR = path.join(__dirname, 'closures');
const PROGRAMS = ['startup', 'direct', 'closure'];
const EXPECTED = { startup: '1\n', direct: '360\n', closure: '360\n' };

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
if (!Number.isInteger(RUNS) || RUNS < 1) {
  process.stderr.write('usage: node bench/closures.js [--runs N]  (N >= 1)\n');
  process.exit(2);
}

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-bench-closures-'));
const astb = (p) => path.join(out, `${p}.astb`);
for (const p of PROGRAMS) {
  const r = spawnSync(process.execPath, [ASTHRA, 'build', path.join(DIR, `${p}.asthra`), '-o', astb(p)], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`building ${p} failed:\n${r.stderr}`);
    process.exit(1);
  }
}

function runOnce(p, flags) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [ASTHRA, 'exec', ...flags, astb(p)], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 || r.stdout !== EXPECTED[p]) {
    process.stderr.write(`${p} ${flags.join(' ')} printed ${JSON.stringify(r.stdout)} (exit ${r.status}), expected ${JSON.stringify(EXPECTED[p])}\n${r.stderr}`);
    process.exit(1);
  }
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const modes = [['native tier', []], ['interpreter only', ['--no-native']]];
const rows = [];
for (const [label, flags] of modes) {
  const times = Object.fromEntries(PROGRAMS.map((p) => [p, []]));
  for (const p of PROGRAMS) runOnce(p, flags); // warm-up
  for (let i = 0; i < RUNS; i++) {
    // rotate the order each round, so drift on the machine falls on every program alike
    for (let k = 0; k < PROGRAMS.length; k++) {
      const p = PROGRAMS[(i + k) % PROGRAMS.length];
      times[p].push(runOnce(p, flags));
    }
  }
  const startup = Math.min(...times.startup);
  const net = (p) => Math.min(...times[p]) - startup;
  for (const p of PROGRAMS.slice(1)) {
    rows.push({ mode: label, program: p, min: Math.min(...times[p]), median: median(times[p]), net: net(p) });
  }
  rows.push({ mode: label, program: 'closure / direct (net)', ratio: net('closure') / net('direct') });
}
fs.rmSync(out, { recursive: true, force: true });

const fmt = (x) => x.toFixed(0).padStart(8);
process.stdout.write(`closure calls vs direct calls, 5,000,000 calls, ${RUNS} runs (load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs)\n`);
process.stdout.write('mode               program                    min ms  median ms   net ms\n');
for (const r of rows) {
  if (r.ratio !== undefined) process.stdout.write(`${r.mode.padEnd(18)} ${r.program.padEnd(24)} ${r.ratio.toFixed(2).padStart(8)}x\n`);
  else process.stdout.write(`${r.mode.padEnd(18)} ${r.program.padEnd(24)} ${fmt(r.min)} ${fmt(r.median)}   ${fmt(r.net)}\n`);
}
