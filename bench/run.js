#!/usr/bin/env node
'use strict';
// Benchmarks: the Asthra VM against plain JS, Lua 5.4, CPython and Go, plus compile speed.
// Plain Node.js, no dependencies. Run `node bench/run.js --help` for the options; see bench/README.md.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { rel, firstLine, median, fmtRatio, table, firstDifference, describeExit, probe, parseStats, parseOptions } = require('./lib');

const ROOT = path.resolve(__dirname, '..');
const PROGRAMS = path.join(__dirname, 'programs');
const OUT = path.join(__dirname, 'out');
const ASTHRA = path.join(ROOT, 'bin', 'asthra');
const NODE = process.execPath;
const RUN_TIMEOUT_MS = 10 * 60 * 1000;
const TIMED_OUT = `timed out after ${RUN_TIMEOUT_MS / 1000} s`;

const BENCHMARKS = [
  { name: 'startup', what: 'print one line: process startup, the baseline for the "net" column' },
  { name: 'fib', what: 'recursive fib(32): calls, returns, small integer arithmetic' },
  { name: 'loop', what: 'integer loops: sum of i*i % 7 over 5M (range loop), sieve below 2M (while loops, slice stores)' },
  { name: 'strings', what: '~100k concatenations of short strings with int conversion, 2M equality/ordering tests, lengths' },
  { name: 'binary_trees', what: 'Benchmarks Game binary-trees, max depth 16: ~15M short-lived tree nodes, allocation and GC' },
];
const COMPILE = { name: 'compile', what: 'compile speed of `asthra build` on a generated ~48k-line program' };

const HELP = `usage: asthra bench lang [options]      (also: node bench/run.js, npm run bench)

  --runs N       timed runs per implementation (default 5)
  --quick        1 run, no warm-up, compile timing once
  --filter NAME  only these benchmarks (comma-separated): ${BENCHMARKS.map((b) => b.name).join(', ')}, ${COMPILE.name}
  --json         print the results as JSON instead of tables
  --units N      units (struct + enum + impl + 2 functions each) in the compile benchmark (default 1000)
  -h, --help     this help

Times are whole-process wall times (startup included), in milliseconds.
Exit code: 0 ok, 1 a program printed wrong output, crashed or could not be built, 2 bad usage.
`;

// ------------------------------------------------------------------ options


const opts = parseOptions(process.argv.slice(2), {
  tool: 'bench',
  help: HELP,
  defaults: { units: 1000 },
  names: [...BENCHMARKS.map((b) => b.name), COMPILE.name],
  extra: { '--units': (o, arg) => (o.units = arg.count()) },
});
const selected = (name) => !opts.filter || opts.filter.includes(name);
const log = (s) => process.stderr.write(s + '\n');
const failures = [];

function fail(msg) {
  failures.push(msg);
  log(`\n*** FAILURE: ${msg}\n`);
}

// ------------------------------------------------------------------ processes

function show(cmd, args) {
  return [cmd === NODE ? 'node' : cmd, ...args.map((a) => (path.isAbsolute(a) ? rel(a) : a))].join(' ');
}

/** Run a command to completion from the project root; returns status, output and wall time in ms. */
function run(cmd, args, extra = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    timeout: RUN_TIMEOUT_MS,
    ...extra,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { status: r.status, signal: r.signal, error: r.error, stdout: r.stdout || '', stderr: r.stderr || '', ms };
}





/** The part of a version line that matches re (the whole line if none). */
function short(line, re) {
  if (line === null) return null;
  const m = re.exec(line);
  return m ? m[0] : line;
}

// ------------------------------------------------------------------ implementations
const goEnv = { ...process.env };
if (!goEnv.GOCACHE && !goEnv.XDG_CACHE_HOME && !goEnv.HOME) goEnv.GOCACHE = path.join(OUT, 'go-cache');

const IMPLS = [
  {
    id: 'asthra',
    label: 'Asthra VM',
    short: 'asthra',
    probe: () => probe(NODE, [ASTHRA, '--version']),
    build: (b) => {
      const out = path.join(OUT, `${b}.astb`);
      return { cmd: NODE, args: [ASTHRA, 'build', path.join(PROGRAMS, `${b}.asthra`), '-o', out], out };
    },
    // stats: also print the collector's figures on stderr (used by the peak RSS run)
    command: (b, stats = false) => ({ cmd: NODE, args: [ASTHRA, 'exec', ...(stats ? ['--stats'] : []), path.join(OUT, `${b}.astb`)] }),
  },
  {
    id: 'js',
    label: 'plain JS (node)',
    short: 'plain JS',
    probe: () => `node ${process.version}`,
    command: (b) => ({ cmd: NODE, args: [path.join(PROGRAMS, `${b}.js`)] }),
  },
  {
    id: 'lua',
    label: 'Lua 5.4',
    short: 'Lua 5.4',
    tool: 'lua5.4',
    hint: 'apt-get install lua5.4',
    probe: () => short(probe('lua5.4', ['-v']), /Lua [\d.]+/),
    command: (b) => ({ cmd: 'lua5.4', args: [path.join(PROGRAMS, `${b}.lua`)] }),
  },
  {
    id: 'python',
    label: 'CPython 3',
    short: 'CPython',
    tool: 'python3',
    hint: 'apt-get install python3',
    probe: () => probe('python3', ['--version']),
    command: (b) => ({ cmd: 'python3', args: [path.join(PROGRAMS, `${b}.py`)] }),
  },
  {
    id: 'go',
    label: 'Go',
    short: 'Go',
    tool: 'go',
    hint: 'apt-get install golang-go',
    probe: () => short(probe('go', ['version']), /go[\d.]+/),
    build: (b) => {
      const out = path.join(OUT, `${b}-go`);
      return { cmd: 'go', args: ['build', '-o', out, path.join(PROGRAMS, `${b}.go`)], out, env: goEnv };
    },
    command: (b) => ({ cmd: path.join(OUT, `${b}-go`), args: [] }),
  },
];

// ------------------------------------------------------------------ statistics

const round = (x, d = 1) => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);


// ------------------------------------------------------------------ peak RSS
const TIME = '/usr/bin/time';
const haveTime = fs.existsSync(TIME) && spawnSync(TIME, ['-f', '%M', NODE, '-e', '0'], { encoding: 'utf8' }).status === 0;

/** Peak resident set size in KB of one run, via /usr/bin/time -f %M (written to a file, not stderr). */
function peakRss(cmd, args, expected = null) {
  return measuredRun(cmd, args, expected).kb;
}

/**
 * One checked run under /usr/bin/time when available: { kb: peak RSS in KB or null, stderr }.
 * Without /usr/bin/time the command runs directly (kb is null) so its stderr is still had.
 */
function measuredRun(cmd, args, expected = null) {
  const file = path.join(OUT, `rss-${process.pid}.txt`);
  const r = haveTime ? run(TIME, ['-f', '%M', '-o', file, cmd, ...args]) : run(cmd, args);
  let kb = null;
  if (haveTime) {
    try {
      kb = Number(fs.readFileSync(file, 'utf8').trim().split('\n').pop());
      fs.unlinkSync(file);
    } catch {
      kb = null;
    }
  }
  if (expected !== null && r.status === 0 && r.stdout !== expected) {
    fail(`\`${show(cmd, args)}\`${haveTime ? ` under ${TIME}` : ''}: wrong output (${firstDifference(r.stdout, expected)})`);
    return { kb: null, stderr: r.stderr };
  }
  if (r.status !== 0) fail(`\`${show(cmd, args)}\`${haveTime ? ` under ${TIME}` : ''}: ${describeExit(r, TIMED_OUT)}: ${firstLine(r.stderr)}`);
  return { kb: r.status === 0 && Number.isFinite(kb) ? kb : null, stderr: r.stderr };
}


// ------------------------------------------------------------------ setup
fs.mkdirSync(OUT, { recursive: true });

const env = {
  date: new Date().toISOString(),
  host: `${os.type()} ${os.release()} ${os.arch()}`,
  cpu: (os.cpus()[0] || {}).model || '?',
  cpus: os.cpus().length,
  memGB: round(os.totalmem() / 2 ** 30, 1),
  runs: opts.runs,
  loadAverage: os.loadavg().map((x) => round(x, 2)),
  tools: {},
};
if (env.loadAverage[0] > env.cpus / 2) {
  log(`note: load average ${env.loadAverage[0]} on ${env.cpus} CPUs: other work is running, timings will be noisy`);
}

const available = [];
const skipped = [];
for (const impl of IMPLS) {
  const v = impl.probe();
  if (v === null) {
    const line = `skipped: ${impl.tool} not installed (${impl.hint})`;
    skipped.push({ impl: impl.id, reason: line });
    log(line);
    continue;
  }
  env.tools[impl.id] = v;
  available.push(impl);
}
if (!available.find((i) => i.id === 'asthra')) {
  log('bench: `node bin/asthra --version` failed: is the project built? (npm run build)');
  process.exit(1);
}

// ------------------------------------------------------------------ program benchmarks
const results = [];

for (const bench of BENCHMARKS) {
  if (!selected(bench.name)) continue;
  log(`\n== ${bench.name}: ${bench.what}`);

  // the expected output is what the plain JS version prints
  const js = IMPLS.find((i) => i.id === 'js').command(bench.name);
  const ref = run(js.cmd, js.args);
  if (ref.status !== 0) {
    fail(`${bench.name}: the reference \`${show(js.cmd, js.args)}\` failed (${describeExit(ref, TIMED_OUT)}): ${firstLine(ref.stderr)}`);
    continue;
  }
  const expected = ref.stdout;

  // build once (Asthra bytecode, Go binary)
  const impls = [];
  const notes = [];
  for (const impl of available) {
    if (impl.build) {
      const b = impl.build(bench.name);
      const r = run(b.cmd, b.args, b.env ? { env: b.env } : {});
      if (r.status !== 0) {
        fail(`${bench.name}/${impl.id}: build \`${show(b.cmd, b.args)}\` failed (${describeExit(r, TIMED_OUT)}):\n${r.stderr.trim()}`);
        continue;
      }
      log(`built ${rel(b.out)} in ${r.ms.toFixed(0)} ms`);
      if (impl.id === 'asthra') notes.push({ astbBytes: fs.statSync(b.out).size, buildMs: round(r.ms) });
    }
    impls.push(impl);
  }

  const times = new Map(impls.map((i) => [i.id, []]));
  const broken = new Set();
  const once = (impl, timed) => {
    if (broken.has(impl.id)) return;
    const c = impl.command(bench.name);
    const r = run(c.cmd, c.args);
    if (r.status !== 0 || r.stdout !== expected) {
      broken.add(impl.id);
      const why = r.status !== 0
        ? `${describeExit(r, TIMED_OUT)}; stderr: ${r.stderr.trim().split('\n').slice(0, 5).join(' | ')}`
        : `wrong output (${firstDifference(r.stdout, expected)})`;
      fail(`${bench.name}/${impl.id}: \`${show(c.cmd, c.args)}\` ${why}`);
      return;
    }
    if (timed) times.get(impl.id).push(r.ms);
  };

  if (!opts.quick) for (const impl of impls) once(impl, false); // warm-up (page cache, Go binary), checked too
  for (let k = 0; k < opts.runs; k++) {
    // rotate the order so that no implementation always runs first or right after another one
    const order = impls.map((_, j) => impls[(j + k) % impls.length]);
    for (const impl of order) once(impl, true);
    process.stderr.write(`  run ${k + 1}/${opts.runs}\r`);
  }
  process.stderr.write('\n');

  // one extra checked run of each: peak RSS under /usr/bin/time, and Asthra's --stats figures
  // (collections, GC pauses, peak heap) from its stderr
  const rss = new Map();
  let gcStats = null;
  for (const impl of impls) {
    if (broken.has(impl.id)) continue;
    if (!haveTime && impl.id !== 'asthra') continue;
    const c = impl.command(bench.name, true);
    const m = measuredRun(c.cmd, c.args, expected);
    rss.set(impl.id, m.kb);
    if (impl.id === 'asthra') gcStats = parseStats(m.stderr);
  }

  const asthraTimes = times.get('asthra') || [];
  const asthraMedian = asthraTimes.length ? median(asthraTimes) : null;
  const rows = [];
  for (const impl of impls) {
    const ts = times.get(impl.id);
    if (broken.has(impl.id) || ts.length === 0) {
      rows.push({ impl: impl.id, label: impl.label, failed: true });
      continue;
    }
    const med = median(ts);
    rows.push({
      impl: impl.id,
      label: impl.label,
      short: impl.short,
      medianMs: round(med),
      minMs: round(Math.min(...ts)),
      runsMs: ts.map((t) => round(t)),
      asthraOverPeer: impl.id === 'asthra' || asthraMedian === null ? null : round(asthraMedian / med, 3),
      peerOverAsthra: impl.id === 'asthra' || asthraMedian === null ? null : round(med / asthraMedian, 3),
      peakRssKB: rss.get(impl.id) ?? null,
    });
  }
  results.push({ name: bench.name, what: bench.what, rows, ...(notes[0] || {}), asthraStats: gcStats });
}

// net times: each implementation's min minus its own startup min (when startup was measured).
// Mins, not medians: a difference of two medians is at the mercy of noise in either one, while the
// min of each is the run least disturbed by other work.
const startup = results.find((b) => b.name === 'startup');
if (startup) {
  const base = new Map(startup.rows.filter((r) => !r.failed).map((r) => [r.impl, r.minMs]));
  for (const b of results) {
    if (b === startup) continue;
    const a = b.rows.find((r) => r.impl === 'asthra' && !r.failed);
    const aNet = a && base.has('asthra') ? a.minMs - base.get('asthra') : null;
    for (const r of b.rows) {
      if (r.failed || !base.has(r.impl)) continue;
      r.netMs = round(r.minMs - base.get(r.impl));
      if (r.impl !== 'asthra' && aNet !== null && aNet > 0 && r.netMs > 0) r.asthraOverPeerNet = round(aNet / r.netMs, 3);
    }
  }
}

// ------------------------------------------------------------------ compile speed
let compile = null;

function generateProgram(units) {
  // each unit: a struct, an enum with payloads, an impl with a method that matches, and a function
  // with a range loop, an if/else-if chain, a while loop and struct field updates
  const unit = (k) => `struct Acc${k} {
    total: i64,
    count: i32
}

enum Op${k} {
    Add(i64),
    Mul(i64, i64),
    Skip
}

impl Acc${k} {
    pub fn apply(self, op: Op${k}) -> Acc${k} {
        match op {
            Op${k}.Add(v) => {
                return Acc${k} { total: self.total + v, count: self.count + 1 };
            }
            Op${k}.Mul(a, b) => {
                return Acc${k} { total: self.total + a * b, count: self.count + 1 };
            }
            Op${k}.Skip => {
                return self;
            }
        }
    }
}

fn f${k}(n: i32) -> i64 {
    let mut acc: Acc${k} = Acc${k} { total: ${k}, count: 0 };
    for i in range(0, n) {
        let v: i64 = i as i64;
        let mut op: Op${k} = Op${k}.Skip;
        if i % 3 == 0 {
            op = Op${k}.Add(v + ${k % 17});
        } else if i % 3 == 1 {
            op = Op${k}.Mul(v, ${(k % 5) + 1});
        }
        acc = acc.apply(op);
    }
    let mut j: i32 = 0;
    while j < acc.count {
        acc.total -= 1;
        j += 1;
    }
    return acc.total;
}

`;
  const parts = ['package main;\n\n// Generated by bench/run.js for the compile-speed benchmark.\n\n'];
  for (let k = 0; k < units; k++) parts.push(unit(k));
  parts.push('pub fn main(void) -> void {\n    let mut sum: i64 = 0;\n');
  let checksum = 0;
  for (let k = 0; k < units; k++) {
    const n = (k % 7) + 3;
    parts.push(`    sum += f${k}(${n});\n`);
    // the same computation in JS, for the expected output
    let total = k;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (i % 3 === 0) { total += i + (k % 17); count++; }
      else if (i % 3 === 1) { total += i * ((k % 5) + 1); count++; }
    }
    checksum += total - count;
  }
  parts.push('    println("checksum " + sum);\n}\n');
  const text = parts.join('');
  return { text, lines: text.split('\n').length - 1, expected: `checksum ${checksum}\n`, functions: 2 * units + 1 };
}

if (selected(COMPILE.name)) {
  log(`\n== ${COMPILE.name}: ${COMPILE.what}`);
  const big = generateProgram(opts.units);
  const small = generateProgram(1);
  const bigSrc = path.join(OUT, 'compile_big.asthra');
  const smallSrc = path.join(OUT, 'compile_small.asthra');
  fs.writeFileSync(bigSrc, big.text);
  fs.writeFileSync(smallSrc, small.text);
  const reps = opts.quick ? 1 : 3;
  const timeBuild = (src) => {
    const out = src.replace(/\.asthra$/, '.astb');
    const ts = [];
    for (let k = 0; k < reps; k++) {
      const r = run(NODE, [ASTHRA, 'build', src, '-o', out]);
      if (r.status !== 0) {
        fail(`compile: \`asthra build ${rel(src)}\` failed (${describeExit(r, TIMED_OUT)}):\n${r.stderr.trim().split('\n').slice(0, 8).join('\n')}`);
        return null;
      }
      ts.push(r.ms);
    }
    return { ms: median(ts), all: ts, out };
  };
  const tb = timeBuild(bigSrc);
  const ts = tb && timeBuild(smallSrc);
  if (tb && ts) {
    // the generated program must also run and print the checksum computed above
    const r = run(NODE, [ASTHRA, 'exec', tb.out]);
    if (r.status !== 0 || r.stdout !== big.expected) {
      fail(`compile: \`asthra exec ${rel(tb.out)}\` ${r.status !== 0 ? describeExit(r, TIMED_OUT) + ': ' + firstLine(r.stderr) : 'wrong output (' + firstDifference(r.stdout, big.expected) + ')'}`);
    }
    const netMs = tb.ms - ts.ms;
    compile = {
      units: opts.units,
      functions: big.functions,
      lines: big.lines,
      sourceBytes: Buffer.byteLength(big.text),
      astbBytes: fs.statSync(tb.out).size,
      buildMedianMs: round(tb.ms),
      buildRunsMs: tb.all.map((t) => round(t)),
      baselineLines: small.lines,
      baselineMedianMs: round(ts.ms),
      rawLinesPerSec: Math.round(big.lines / (tb.ms / 1000)),
      netLinesPerSec: netMs > 0 ? Math.round((big.lines - small.lines) / (netMs / 1000)) : null,
      execMs: round(r.ms),
      peakRssKB: haveTime ? peakRss(NODE, [ASTHRA, 'build', bigSrc, '-o', tb.out]) : null,
    };
  }
}

// ------------------------------------------------------------------ report

const summaries = results.map((b) => {
  const parts = b.rows.filter((r) => r.impl !== 'asthra' && !r.failed && r.asthraOverPeer !== null).map((r) => `${fmtRatio(r.asthraOverPeer)} ${r.short}`);
  return parts.length ? `${b.name}: asthra ${parts.join(', ')}` : `${b.name}: no peer results`;
});
const netSummaries = results.filter((b) => b !== startup).map((b) => {
  const parts = b.rows.filter((r) => r.asthraOverPeerNet !== undefined).map((r) => `${fmtRatio(r.asthraOverPeerNet)} ${r.short}`);
  return parts.length ? `${b.name} (net of startup, from the mins): asthra ${parts.join(', ')}` : null;
}).filter(Boolean);

if (opts.json) {
  process.stdout.write(JSON.stringify({ env, skipped, benchmarks: results, compile, rssNote: haveTime ? null : `${TIME} not available: peak RSS not measured`, summaries, netSummaries, failures }, null, 2) + '\n');
} else {
  const out = [];
  out.push('');
  out.push(`Asthra benchmarks: ${env.runs} timed run(s) per implementation, whole-process wall time (startup included)`);
  out.push(`${env.cpu}, ${env.cpus} CPUs, ${env.memGB} GB, load average ${env.loadAverage[0]} at start; ${Object.values(env.tools).join('; ')}`);
  for (const s of skipped) out.push(s.reason);
  if (results.length) {
    out.push('');
    out.push('asthra/peer = Asthra median time divided by the peer median time (above 1: Asthra is slower); peer/asthra is its inverse.');
    if (startup) out.push("net ms = min minus the same implementation's startup min: the work without process startup.");
    out.push('');
    const rows = [];
    for (const b of results) {
      for (const r of b.rows) {
        if (r.failed) {
          rows.push([b.name, r.label, 'FAILED', '', '', '', '', '']);
          continue;
        }
        rows.push([
          b.name,
          r.label,
          r.medianMs.toFixed(1),
          r.minMs.toFixed(1),
          r.netMs === undefined ? '-' : r.netMs.toFixed(1),
          r.impl === 'asthra' ? '-' : fmtRatio(r.asthraOverPeer),
          r.impl === 'asthra' ? '-' : fmtRatio(r.peerOverAsthra),
          r.peakRssKB === null ? (haveTime ? '?' : 'n/a') : (r.peakRssKB / 1024).toFixed(1),
        ]);
      }
    }
    out.push(table(['benchmark', 'implementation', 'median ms', 'min ms', 'net ms', 'asthra/peer', 'peer/asthra', 'peak RSS MB'], rows, [0, 1]));
    if (!haveTime) out.push(`(peak RSS skipped: ${TIME} is not available; apt-get install time)`);
    for (const b of results) {
      if (b.astbBytes !== undefined) out.push(`${b.name}: ${b.name}.astb is ${b.astbBytes} bytes, built in ${b.buildMs} ms`);
    }
    const withGc = results.filter((b) => b.asthraStats && b.asthraStats.collections > 0);
    if (withGc.length) {
      out.push('');
      out.push('Asthra garbage collector (`asthra exec --stats`, the peak RSS run):');
      const mbs = (n) => (n === null || n === undefined ? '-' : (n / 1048576).toFixed(1));
      out.push(table(['benchmark', 'allocated MB', 'collections', 'pause total ms', 'pause max ms', 'peak heap MB', 'live after gc MB'],
        withGc.map((b) => {
          const s = b.asthraStats;
          return [b.name, mbs(s.allocatedBytes), s.collections, s.gcPauseTotalMs.toFixed(2), s.gcPauseMaxMs.toFixed(2), mbs(s.peakHeapBytes), mbs(s.liveAfterGcBytes)];
        }), [0]));
    }
  }
  if (compile) {
    out.push('');
    out.push(`compile: ${compile.lines} lines, ${compile.functions} functions, ${(compile.sourceBytes / 1024).toFixed(0)} KB source -> ${(compile.astbBytes / 1024).toFixed(0)} KB .astb`);
    out.push(`  asthra build: median ${compile.buildMedianMs} ms (runs: ${compile.buildRunsMs.join(', ')}), peak RSS ${compile.peakRssKB === null ? 'n/a' : (compile.peakRssKB / 1024).toFixed(1) + ' MB'}`);
    out.push(`  baseline (${compile.baselineLines}-line file): ${compile.baselineMedianMs} ms (node startup + loading the compiler)`);
    out.push(`  raw: ${compile.rawLinesPerSec.toLocaleString('en-US')} lines/s   net of the baseline: ${compile.netLinesPerSec === null ? 'n/a' : compile.netLinesPerSec.toLocaleString('en-US') + ' lines/s'}`);
    out.push(`  running the generated program: ${compile.execMs} ms`);
  }
  if (summaries.length) {
    out.push('');
    out.push('Summary (Asthra median time as a multiple of each peer\'s; above 1x = Asthra slower):');
    for (const s of summaries) out.push(s);
    for (const s of netSummaries) out.push(s);
  }
  if (failures.length) {
    out.push('');
    out.push(`FAILED (${failures.length}):`);
    for (const f of failures) out.push(`  ${f}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

process.exitCode = failures.length ? 1 : 0;
