#!/usr/bin/env node
'use strict';
// Generics cost nothing at run time: a generic max<T> called on i32 against the same function
// written for i32, whole-process wall times (medians), the ratio taken in one run. Instances are
// ordinary functions (see docs/language.md, "Generics"), so the ratio should be 1.00x within
// noise, with the native tier on and off.
// Run `node bench/generics.js --help` for the options (also: asthra bench generics).

const path = require('path');
const { spawnSync } = require('child_process');
const { ROOT, median, fmtRatio, table, describeExit, parseOptions } = require('./lib');

const ASTHRA = path.join(ROOT, 'bin', 'asthra');
const DIR = path.join(__dirname, 'generics');
const HELP = `usage: node bench/generics.js [options]      (also: asthra bench generics)

A generic max<T> on i32 against a hand-written max on i32 (20M calls each).

  --runs N          timed runs per program (default 5)
  --quick           1 timed run, no warm-up
  --json            print the results as JSON instead of a table
  -h, --help        this help

Exit code: 0 ok, 1 a program printed wrong output or crashed, 2 bad usage.
`;

const opts = parseOptions(process.argv.slice(2), { tool: 'generics', help: HELP, defaults: {}, names: [] });
let failed = false;

function timed(file, flags) {
  const times = [];
  let out = null;
  const runs = opts.quick ? 1 : opts.runs + 1;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(ASTHRA, ['run', ...flags, path.join(DIR, file)], { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) {
      process.stderr.write(`${file}: ${describeExit(r, false)}\n${r.stderr}`);
      failed = true;
      return { ms: NaN, out: null };
    }
    out = r.stdout;
    if (!opts.quick && i === 0) continue; // warm-up
    times.push(ms);
  }
  return { ms: median(times), out };
}

const rows = [];
const results = [];
for (const [label, flags] of [['native tier', []], ['interpreter only', ['--no-native']]]) {
  const g = timed('max_generic.asthra', flags);
  const h = timed('max_hand.asthra', flags);
  if (g.out !== null && h.out !== null && g.out !== h.out) {
    process.stderr.write(`the two programs printed different sums: ${g.out.trim()} and ${h.out.trim()}\n`);
    failed = true;
  }
  results.push({ mode: label, genericMs: g.ms, handMs: h.ms, ratio: g.ms / h.ms });
  rows.push([label, `${g.ms.toFixed(0)} ms`, `${h.ms.toFixed(0)} ms`, fmtRatio(g.ms / h.ms)]);
}
if (opts.json) console.log(JSON.stringify(results, null, 2));
else console.log(table(['mode', 'max<T> on i32', 'max on i32', 'generic / hand'], rows, [true]));
process.exit(failed ? 1 : 0);
