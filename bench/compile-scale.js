#!/usr/bin/env node
// Compiler scaling: `asthra build` on generated sources of 100 KB, 1 MB and 5 MB, in two shapes
// (many small functions, and the compile benchmark's mix of structs, enums, impls and loops),
// with lines per second net of startup and peak RSS, and CPython's compile() of a Python file of
// the same size and shape beside it. It generates its inputs itself (into bench/out/) and
// checks that each build succeeds; it asserts no timings.
//
//   node bench/compile-scale.js            all sizes
//   node bench/compile-scale.js --sizes 100k,1m
//   node bench/compile-scale.js --json
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(__dirname, 'out');
const CLI = path.join(ROOT, 'bin', 'asthra');
const TIME = '/usr/bin/time';

function parseSize(t) {
  const m = /^(\d+(?:\.\d+)?)([km])$/i.exec(t);
  if (!m) throw new Error(`bad size '${t}' (use e.g. 100k or 5m)`);
  return Math.round(Number(m[1]) * (m[2].toLowerCase() === 'k' ? 1024 : 1024 * 1024));
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const sizesArg = args.includes('--sizes') ? args[args.indexOf('--sizes') + 1] : '100k,1m,5m';
const SIZES = sizesArg.split(',').map((s) => ({ label: s, bytes: parseSize(s) }));

/** Small functions: the shape of issue 13's report (a 5 MB file is about 60,000 of them). */
function smallFunctions(bytes) {
  const asthra = ['package main;\n\n'];
  const py = [];
  let size = 0;
  let n = 0;
  while (size < bytes) {
    const a = `fn f${n}(x: i32) -> i32 {\n    let y: i32 = x * 3 + ${n % 97};\n    if y > 100 { return y - 1; }\n    return y + 1;\n}\n\n`;
    asthra.push(a);
    py.push(`def f${n}(x):\n    y = x * 3 + ${n % 97}\n    if y > 100:\n        return y - 1\n    return y + 1\n\n`);
    size += a.length;
    n++;
  }
  asthra.push(`pub fn main(void) -> void {\n    println("" + f0(1) + " " + f${n - 1}(2));\n}\n`);
  py.push(`print(f0(1), f${n - 1}(2))\n`);
  return { asthra: asthra.join(''), py: py.join(''), units: n };
}

/** The compile benchmark's mix: a struct, an enum, an impl with a method, loops and a match. */
function mixed(bytes) {
  const asthra = ['package main;\n\n'];
  const py = [];
  let size = 0;
  let n = 0;
  while (size < bytes) {
    const a = `struct P${n} { x: i32, y: i32 }\n\nenum E${n} { A, B(i32) }\n\nimpl P${n} {\n    fn sum(self) -> i32 { return self.x + self.y; }\n}\n\n` +
      `fn g${n}(k: i32) -> i32 {\n    let p: P${n} = P${n} { x: k, y: ${n % 13} };\n    let mut t: i32 = 0;\n    for i in range(0, 4) {\n        t = t + i;\n    }\n` +
      `    let e: E${n} = E${n}.B(t);\n    match e {\n        E${n}.A => { return 0; }\n        E${n}.B(v) => { return v + p.sum(); }\n    }\n}\n\n`;
    asthra.push(a);
    py.push(`class P${n}:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n    def sum(self):\n        return self.x + self.y\n\n` +
      `def g${n}(k):\n    p = P${n}(k, ${n % 13})\n    t = 0\n    for i in range(0, 4):\n        t = t + i\n    e = ('B', t)\n    if e[0] == 'A':\n        return 0\n    return e[1] + p.sum()\n\n`);
    size += a.length;
    n++;
  }
  asthra.push(`pub fn main(void) -> void {\n    println("" + g0(1) + " " + g${n - 1}(2));\n}\n`);
  py.push(`print(g0(1), g${n - 1}(2))\n`);
  return { asthra: asthra.join(''), py: py.join(''), units: n };
}

const haveTime = fs.existsSync(TIME);

/**
 * Wall time (ms), CPU time (user + system, ms, or null) and peak RSS (KB, or null) of a command.
 * On a machine shared with other work the wall time includes waiting for a core; the CPU time
 * is what the command itself spent, so it is the steadier figure to compare runs by.
 */
function measure(cmd, argv) {
  const t0 = process.hrtime.bigint();
  const r = haveTime
    ? spawnSync(TIME, ['-f', '%M %U %S', cmd, ...argv], { encoding: 'utf8', maxBuffer: 1 << 28 })
    : spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let rssKB = null;
  let cpuMs = null;
  let stderr = r.stderr;
  if (haveTime) {
    const lines = stderr.trimEnd().split('\n');
    const [rss, user, sys] = lines.pop().split(' ').map(Number);
    rssKB = rss;
    cpuMs = (user + sys) * 1000;
    stderr = lines.join('\n');
  }
  return { ms, cpuMs, rssKB, status: r.status, stderr };
}

function python() {
  for (const p of ['python3', 'python']) {
    const r = spawnSync(p, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return p;
  }
  return null;
}

function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const py = python();
  const tiny = path.join(OUT, 'scale_tiny.asthra');
  fs.writeFileSync(tiny, 'pub fn main(void) -> void { println("hi"); }\n');
  const base = measure(process.execPath, [CLI, 'build', tiny, '-o', path.join(OUT, 'scale_tiny.astb')]);
  const pyTiny = path.join(OUT, 'scale_tiny.py');
  fs.writeFileSync(pyTiny, 'print("hi")\n');
  const pyCompile = (f) => ['-c', `import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')`, f];
  const pyBase = py ? measure(py, pyCompile(pyTiny)) : null;
  const results = [];
  let failed = false;
  for (const [shape, gen] of [['small functions', smallFunctions], ['mixed', mixed]]) {
    for (const { label, bytes } of SIZES) {
      const g = gen(bytes);
      const stem = `scale_${shape.replace(/ /g, '_')}_${label}`;
      const src = path.join(OUT, `${stem}.asthra`);
      const pySrc = path.join(OUT, `${stem}.py`);
      fs.writeFileSync(src, g.asthra);
      fs.writeFileSync(pySrc, g.py);
      const lines = g.asthra.split('\n').length;
      const m = measure(process.execPath, ['--max-old-space-size=4096', CLI, 'build', src, '-o', path.join(OUT, `${stem}.astb`)]);
      if (m.status !== 0) {
        failed = true;
        process.stderr.write(`${shape} ${label}: asthra build failed (exit ${m.status}):\n${m.stderr.split('\n').slice(0, 5).join('\n')}\n`);
      }
      const net = Math.max(1, m.ms - base.ms);
      const netCpu = m.cpuMs === null ? null : Math.max(1, m.cpuMs - base.cpuMs);
      const p = py ? measure(py, pyCompile(pySrc)) : null;
      const pyLines = g.py.split('\n').length;
      const row = {
        shape, size: label, bytes: g.asthra.length, lines, units: g.units, ok: m.status === 0,
        ms: Math.round(m.ms), netMs: Math.round(net), linesPerSec: Math.round(lines / (m.ms / 1000)), netLinesPerSec: Math.round(lines / (net / 1000)),
        usPerLine: +(net * 1000 / lines).toFixed(2),
        cpuMs: m.cpuMs === null ? null : Math.round(m.cpuMs), netCpuLinesPerSec: netCpu === null ? null : Math.round(lines / (netCpu / 1000)),
        cpuUsPerLine: netCpu === null ? null : +(netCpu * 1000 / lines).toFixed(2), peakRssMB: m.rssKB === null ? null : +(m.rssKB / 1024).toFixed(1),
        python: p && p.status === 0 ? {
          lines: pyLines, ms: Math.round(p.ms), netLinesPerSec: Math.round(pyLines / (Math.max(1, p.ms - pyBase.ms) / 1000)),
          netCpuLinesPerSec: p.cpuMs === null ? null : Math.round(pyLines / (Math.max(1, p.cpuMs - pyBase.cpuMs) / 1000)), peakRssMB: p.rssKB === null ? null : +(p.rssKB / 1024).toFixed(1) } : null,
      };
      results.push(row);
      if (!json) {
        process.stdout.write(`${shape.padEnd(16)} ${label.padStart(5)}: ${String(lines).padStart(8)} lines  ${String(row.ms).padStart(7)} ms  ` +
          `net ${row.netLinesPerSec.toLocaleString('en-US').padStart(9)} lines/s  ${row.usPerLine} us/line` +
          (row.cpuMs === null ? '' : `  cpu ${String(row.cpuMs).padStart(6)} ms, net ${row.netCpuLinesPerSec.toLocaleString('en-US').padStart(9)} lines/s, ${row.cpuUsPerLine} us/line`) +
          `  peak RSS ${row.peakRssMB ?? 'n/a'} MB` +
          (row.python ? `   | CPython compile(): ${row.python.ms} ms, net ${row.python.netLinesPerSec.toLocaleString('en-US')} lines/s` +
            (row.python.netCpuLinesPerSec === null ? '' : ` (cpu: ${row.python.netCpuLinesPerSec.toLocaleString('en-US')} lines/s)`) + `, ${row.python.peakRssMB ?? 'n/a'} MB` : '') + (row.ok ? '' : '  FAILED') + '\n');
      }
    }
  }
  if (json) process.stdout.write(JSON.stringify({ baselineMs: Math.round(base.ms), pythonBaselineMs: pyBase && Math.round(pyBase.ms), results }, null, 2) + '\n');
  else process.stdout.write(`(net = minus the ${Math.round(base.ms)} ms build of a one-line program (cpu ${base.cpuMs === null ? 'n/a' : Math.round(base.cpuMs) + ' ms'}): node startup and loading the compiler${pyBase ? `; CPython's baseline ${Math.round(pyBase.ms)} ms` : ''}; cpu = user + system time, steadier than wall time on a busy machine)\n`);
  process.exitCode = failed ? 1 : 0;
}

main();
