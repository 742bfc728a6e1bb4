#!/usr/bin/env node
'use strict';
// Scheduler benchmarks: Asthra's tasks (fibers M:N over worker threads) against Go's goroutines.
// Spawn rate, context switches, mutex handoffs, the multi-worker speedup curve, a single-task
// baseline (fib) and 100,000 tasks parked on one mutex. Plain Node.js, no dependencies.
// Run `node bench/sched.js --help` for the options; see bench/README.md.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { rel, firstLine, median, fmtRatio, table, firstDifference, describeExit, probe, parseStats, parseOptions } = require('./lib');

const ROOT = path.resolve(__dirname, '..');
const SCHED = path.join(__dirname, 'sched');
const PROGRAMS = path.join(__dirname, 'programs');
const OUT = path.join(__dirname, 'out');
const ASTHRA = path.join(ROOT, 'bin', 'asthra');
const NODE = process.execPath;
/** A run that takes longer than this is killed and reported as a hang. */
const RUN_TIMEOUT_MS = 180 * 1000;
const TIMED_OUT = `hung: killed after ${RUN_TIMEOUT_MS / 1000} s`;
const CPUS = (os.availableParallelism ? os.availableParallelism() : os.cpus().length) || 1;

// The runtime's own defaults, read from the build when possible (the CLI's --workers default and
// the cap on --workers); the fallbacks mirror src/runtime/run.ts.
let MAX_WORKERS = 8;
let DEFAULT_WORKERS = Math.max(1, Math.min(MAX_WORKERS, CPUS));
try {
  const rt = require(path.join(ROOT, 'dist', 'runtime', 'run.js'));
  if (Number.isInteger(rt.MAX_WORKERS)) MAX_WORKERS = rt.MAX_WORKERS;
  if (typeof rt.defaultWorkers === 'function') DEFAULT_WORKERS = rt.defaultWorkers();
} catch {
  // not built yet: the probe below reports it
}
// the CLI's default --max-heap (src/cli/main.ts defaultMaxHeap): a quarter of RAM, at most 2 GB
const DEFAULT_MAX_HEAP = Math.max(64 << 20, Math.min(Math.floor(os.totalmem() / 4), 2 ** 31 - 8));

// ------------------------------------------------------------------ the benchmarks
// Each benchmark is an Asthra program and a Go program doing the same work (bench/sched/, fib
// from bench/programs/). `consts` are read from BOTH sources and must agree; `expected` computes
// the exact stdout from them, so a wrong count or checksum is a failure, never a number.
const BENCHMARKS = [
  {
    name: 'spawn',
    file: 'spawn',
    what: 'spawn N trivial tasks with plain `spawn` in a loop; the program ends when all have finished',
    consts: ['N'],
    expected: (c) => `spawned ${c.N}\n`,
    work: (c) => c.N,
    unit: 'tasks/s',
    configs: 'micro',
  },
  {
    name: 'spawn_await',
    file: 'spawn_await',
    what: 'spawn_with_handle N tasks in batches of BATCH, await every handle, sum the results',
    consts: ['N', 'BATCH'],
    expected: (c) => `tasks ${c.N} sum ${(c.N * (c.N - 1)) / 2}\n`,
    work: (c) => c.N,
    unit: 'tasks/s',
    configs: 'micro',
  },
  {
    name: 'yield',
    file: 'yield',
    what: 'TASKS tasks x YIELDS calls of Asthra_runtime.yield (Go: runtime.Gosched)',
    consts: ['TASKS', 'YIELDS'],
    expected: (c) => `yields ${c.TASKS * c.YIELDS}\n`,
    work: (c) => c.TASKS * c.YIELDS,
    unit: 'switches/s',
    configs: 'micro',
  },
  {
    name: 'mutex',
    file: 'mutex',
    what: 'token ping-pong between 2 tasks through a mutex-guarded global: 2 x ROUNDS handoffs',
    consts: ['ROUNDS'],
    expected: (c) => `handoffs ${2 * c.ROUNDS} turns ${2 * c.ROUNDS}\n`,
    work: (c) => 2 * c.ROUNDS,
    unit: 'handoffs/s',
    configs: 'micro',
  },
  {
    name: 'speedup',
    file: 'cpu',
    what: 'TASKS CPU-bound tasks (pure integer loop of ITERS iterations each) on 1, 2, ... workers',
    consts: ['TASKS', 'ITERS'],
    expected: (c) => `checksum ${cpuChecksum(c.TASKS, c.ITERS)}\n`,
    work: (c) => c.TASKS * c.ITERS,
    unit: 'speedup',
    configs: 'curve',
  },
  {
    name: 'fib',
    file: 'fib',
    dir: PROGRAMS,
    what: 'recursive fib(32) in main, no tasks: the single-task baseline (bench/programs/fib.*)',
    consts: [],
    expected: () => `${fib(32)}\n`,
    work: () => 2 * fib(33) - 1, // calls of fib
    unit: 'calls/s',
    configs: 'single',
  },
  {
    name: 'pingpong',
    file: 'pingpong',
    what: 'ROUNDS round trips between main and a task over two unbuffered channels',
    consts: ['ROUNDS'],
    expected: (c) => `round trips ${c.ROUNDS} sum ${(c.ROUNDS * (c.ROUNDS + 1)) / 2}\n`,
    work: (c) => c.ROUNDS,
    unit: 'round trips/s',
    configs: 'micro',
  },
  {
    name: 'buffered',
    file: 'buffered',
    what: 'N integers from one task to main through a channel of capacity CAP',
    consts: ['N', 'CAP'],
    expected: (c) => `values ${c.N} sum ${(c.N * (c.N - 1)) / 2}\n`,
    work: (c) => c.N,
    unit: 'values/s',
    configs: 'micro',
  },
  {
    name: 'fanin',
    file: 'fanin',
    what: '4 producer tasks x PER values, received by main through a select over 4 channels',
    consts: ['PER', 'CAP'],
    expected: (c) => `values ${4 * c.PER} sum ${(4 * c.PER * (4 * c.PER - 1)) / 2}\n`,
    work: (c) => 4 * c.PER,
    unit: 'values/s',
    configs: 'micro',
  },
  {
    name: 'chan_waiters',
    file: 'chan_waiters',
    what: 'TASKS live tasks each parked on a receive from a channel of its own, then sent to',
    consts: ['TASKS'],
    expected: (c) => `waiters ${c.TASKS} sum ${(c.TASKS * (c.TASKS - 1)) / 2}\n`,
    work: (c) => c.TASKS,
    unit: 'tasks/s',
    configs: 'micro',
    rss: true,
  },
  {
    name: 'waiters',
    file: 'waiters',
    what: 'WAITERS live tasks parked on one mutex held by main, then released one by one',
    consts: ['WAITERS'],
    expected: (c) => `entered while main holds the lock: 0\nwaiters ${c.WAITERS} sum ${(c.WAITERS * (c.WAITERS - 1)) / 2}\n`,
    work: (c) => c.WAITERS,
    unit: 'tasks/s',
    configs: 'micro',
    rss: true,
  },
];
const NAMES = BENCHMARKS.map((b) => b.name);

function fib(n) {
  let a = 0;
  let b = 1;
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

/** The checksum cpu.asthra and cpu.go print (the same loop, in JS). */
function cpuChecksum(tasks, iters) {
  let total = 0;
  for (let t = 0; t < tasks; t++) {
    let s = 0;
    let x = t;
    for (let i = 0; i < iters; i++) {
      x = (x * 1103 + 12345) % 65536;
      s += x % 7;
    }
    total += s;
  }
  return total;
}

const HELP = `usage: node bench/sched.js [options]      (also: asthra bench, which passes its options on)

Scheduler throughput: Asthra tasks against Go goroutines, whole-process wall times.

  --runs N          timed runs per implementation (default 5)
  --quick           1 timed run, no warm-up (peak RSS only for waiters)
  --filter NAMES    only these benchmarks (comma-separated): ${NAMES.join(', ')}
  --workers-max N   largest worker count in the speedup curve (default 2 x CPUs = ${2 * CPUS})
  --json            print the results as JSON instead of tables (progress stays on stderr)
  --svg FILE        write the speedup curve (Asthra and Go against the ideal) as an SVG chart
  -h, --help        this help

Exit code: 0 ok, 1 a program printed wrong output, crashed, hung or could not be built, 2 bad usage.
`;

// ------------------------------------------------------------------ options


const opts = parseOptions(process.argv.slice(2), {
  tool: 'sched',
  help: HELP,
  defaults: { svg: null, workersMax: 2 * CPUS },
  names: NAMES,
  extra: {
    '--svg': (o, arg) => (o.svg = path.resolve(arg.value())),
    '--workers-max': (o, arg) => (o.workersMax = arg.count()),
  },
});
const selected = BENCHMARKS.filter((b) => !opts.filter || opts.filter.includes(b.name));
const failures = [];
const notes = [];

/**
 * The build being measured: a hash of every file under dist/ and the newest modification time.
 * Someone may rebuild while the benchmarks run; only a change of content counts (a rebuild of the
 * same sources rewrites identical files).
 */
function distStamp() {
  const hash = require('crypto').createHash('sha1');
  let newest = 0;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        newest = Math.max(newest, fs.statSync(p).mtimeMs);
        hash.update(p).update(fs.readFileSync(p));
      }
    }
  };
  try {
    walk(path.join(ROOT, 'dist'));
  } catch {
    return null;
  }
  return { hash: hash.digest('hex').slice(0, 12), newest };
}
const distAtStart = distStamp();

// ------------------------------------------------------------------ progress (stderr)
const tty = Boolean(process.stderr.isTTY);
let progressShown = false;
const progress = { done: 0, total: 0 };

function log(s) {
  if (progressShown && tty) process.stderr.write('\r\x1b[K');
  progressShown = false;
  process.stderr.write(s + '\n');
}

function showProgress(label) {
  const width = 30;
  const filled = progress.total ? Math.round((width * progress.done) / progress.total) : 0;
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${progress.done}/${progress.total} ${label}`;
  if (tty) {
    process.stderr.write(`\r\x1b[K${bar}`);
    progressShown = true;
  } else {
    process.stderr.write(bar + '\n');
  }
}

function fail(msg) {
  failures.push(msg);
  log(`\n*** FAILURE: ${msg}\n`);
}

// ------------------------------------------------------------------ processes

function show(cmd, args, env) {
  const pre = env && env.GOMAXPROCS ? `GOMAXPROCS=${env.GOMAXPROCS} ` : '';
  return pre + [cmd === NODE ? 'node' : rel(cmd).startsWith('..') ? cmd : rel(cmd), ...args.map((a) => (path.isAbsolute(a) ? rel(a) : a))].join(' ');
}

/** Run a command to completion from the project root; returns status, output and wall time in ms. */
function run(cmd, args, extraEnv = null) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    timeout: RUN_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    env: extraEnv ? { ...process.env, ...extraEnv } : process.env,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { status: r.status, signal: r.signal, error: r.error, stdout: r.stdout || '', stderr: r.stderr || '', ms };
}





// ------------------------------------------------------------------ peak RSS and --stats
const TIME = '/usr/bin/time';
const haveTime = fs.existsSync(TIME) && spawnSync(TIME, ['-f', '%M', NODE, '-e', '0'], { encoding: 'utf8' }).status === 0;


// ------------------------------------------------------------------ statistics and formatting

const round = (x, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);


function fmtRate(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}

const fmtMB = (bytes) => (bytes === null || bytes === undefined ? '-' : (bytes / 1048576).toFixed(1));


// ------------------------------------------------------------------ setup
fs.mkdirSync(OUT, { recursive: true });

const env = {
  date: new Date().toISOString(),
  host: `${os.type()} ${os.release()} ${os.arch()}`,
  cpu: (os.cpus()[0] || {}).model || '?',
  cpus: CPUS,
  memGB: round(os.totalmem() / 2 ** 30, 1),
  runs: opts.runs,
  quick: opts.quick,
  asthraDefaultWorkers: DEFAULT_WORKERS,
  asthraMaxWorkers: MAX_WORKERS,
  defaultMaxHeapBytes: DEFAULT_MAX_HEAP,
  loadAverage: os.loadavg().map((x) => round(x, 2)),
  tools: {},
};
if (env.loadAverage[0] > CPUS / 2) {
  const n = `load average ${env.loadAverage[0]} on ${CPUS} CPUs at start: other work is running, timings (the speedup curve above all) will be noisy`;
  notes.push(n);
  log(`note: ${n}`);
}

const asthraVersion = probe(NODE, [ASTHRA, '--version'], true);
if (asthraVersion === null) {
  log('sched: `node bin/asthra --version` failed: is the project built? (npm run build)');
  process.exit(1);
}
env.tools.asthra = asthraVersion;
env.tools.node = `node ${process.version}`;
const goEnv = { ...process.env };
if (!goEnv.GOCACHE && !goEnv.XDG_CACHE_HOME && !goEnv.HOME) goEnv.GOCACHE = path.join(OUT, 'go-cache');
const goVersion = probe('go', ['version'], true);
const skipped = [];
if (goVersion === null) {
  const s = 'skipped: Go not installed (apt-get install golang-go): Asthra runs alone, no ratios';
  skipped.push(s);
  log(s);
} else {
  env.tools.go = (/go[\d.]+/.exec(goVersion) || [goVersion])[0];
}
const haveGo = goVersion !== null;

/** Worker counts of the speedup curve: 1..CPUs and 2 x CPUs, up to --workers-max. */
function curveWorkers() {
  const set = new Set();
  for (let k = 1; k <= CPUS; k++) set.add(k);
  set.add(2 * CPUS);
  if (opts.workersMax > CPUS) set.add(opts.workersMax);
  return [...set].filter((k) => k <= opts.workersMax).sort((a, b) => a - b);
}

// ------------------------------------------------------------------ implementations
// An implementation is one command line: Asthra with a --workers count, or the Go binary with a
// GOMAXPROCS. `pair` names the Go row an Asthra row is compared with.
function asthraImpl(b, workers, label) {
  const astb = path.join(OUT, `sched-${b.name}.astb`);
  return {
    id: `asthra-w${workers}`,
    kind: 'asthra',
    workers,
    label,
    command: (stats) => ({ cmd: NODE, args: [ASTHRA, 'exec', '--workers', String(workers), ...(stats ? ['--stats'] : []), astb], env: null }),
    pair: `go-p${workers}`,
  };
}

function goImpl(b, procs, label) {
  const exe = path.join(OUT, `sched-${b.name}-go`);
  return {
    id: `go-p${procs}`,
    kind: 'go',
    workers: procs,
    label,
    command: () => ({ cmd: exe, args: [], env: { GOMAXPROCS: String(procs) } }),
  };
}

function implsFor(b) {
  const list = [];
  const add = (i) => {
    if (!list.find((x) => x.id === i.id)) list.push(i);
  };
  if (b.configs === 'curve') {
    for (const k of curveWorkers()) {
      if (k > MAX_WORKERS) {
        const n = `speedup: Asthra skipped at ${k} workers (the runtime caps --workers at ${MAX_WORKERS})`;
        if (!notes.includes(n)) notes.push(n);
        continue;
      }
      add(asthraImpl(b, k, `Asthra --workers ${k}`));
    }
    if (haveGo) for (const k of curveWorkers()) add(goImpl(b, k, `Go GOMAXPROCS=${k}`));
    return list;
  }
  add(asthraImpl(b, DEFAULT_WORKERS, `Asthra --workers ${DEFAULT_WORKERS} (default)`));
  add(asthraImpl(b, 1, 'Asthra --workers 1'));
  if (haveGo) {
    if (b.configs === 'single') {
      // one task: GOMAXPROCS does not matter; both Asthra rows are compared with the one Go row.
      // A program that never spawns runs on one worker whatever --workers says, so its net time
      // is taken against the 1-worker startup.
      const g = goImpl(b, CPUS, 'Go');
      for (const i of list) {
        i.pair = g.id;
        i.baseline = 'asthra-w1';
      }
      add(g);
    } else {
      // Asthra's default worker count against Go's default GOMAXPROCS, and 1 against 1
      add(goImpl(b, CPUS, `Go GOMAXPROCS=${CPUS} (default)`));
      add(goImpl(b, 1, 'Go GOMAXPROCS=1'));
      list[0].pair = `go-p${CPUS}`;
    }
  }
  return list;
}

// ------------------------------------------------------------------ sources, constants, builds
function sourcePaths(b) {
  const dir = b.dir || SCHED;
  return { asthra: path.join(dir, `${b.file}.asthra`), go: path.join(dir, `${b.file}.go`) };
}

/** Read the benchmark's constants from both sources; they must be present and agree. */
function readConsts(b) {
  const src = sourcePaths(b);
  const a = fs.readFileSync(src.asthra, 'utf8');
  const g = haveGo ? fs.readFileSync(src.go, 'utf8') : null;
  const c = {};
  for (const name of b.consts) {
    const ma = new RegExp(`^const ${name}: int = (\\d+);`, 'm').exec(a);
    if (!ma) throw new Error(`${rel(src.asthra)}: no \`const ${name}: int = ...;\``);
    c[name] = Number(ma[1]);
    if (g !== null) {
      const mg = new RegExp(`^const ${name} = (\\d+)$`, 'm').exec(g);
      if (!mg) throw new Error(`${rel(src.go)}: no \`const ${name} = ...\``);
      if (Number(mg[1]) !== c[name]) throw new Error(`${name} is ${c[name]} in ${rel(src.asthra)} but ${mg[1]} in ${rel(src.go)}: the programs must do the same work`);
    }
  }
  return c;
}

function build(b) {
  const src = sourcePaths(b);
  const astb = path.join(OUT, `sched-${b.name}.astb`);
  let r = run(NODE, [ASTHRA, 'build', src.asthra, '-o', astb]);
  if (r.status !== 0) {
    fail(`${b.name}: \`${show(NODE, [ASTHRA, 'build', src.asthra, '-o', astb])}\` failed (${describeExit(r, TIMED_OUT)}):\n${r.stderr.trim()}`);
    return false;
  }
  if (haveGo) {
    const exe = path.join(OUT, `sched-${b.name}-go`);
    const t0 = process.hrtime.bigint();
    const g = spawnSync('go', ['build', '-o', exe, src.go], { cwd: ROOT, encoding: 'utf8', env: goEnv, timeout: RUN_TIMEOUT_MS });
    r = { status: g.status, signal: g.signal, error: g.error, stderr: g.stderr || '', ms: Number(process.hrtime.bigint() - t0) / 1e6 };
    if (r.status !== 0) {
      fail(`${b.name}: \`go build -o ${rel(exe)} ${rel(src.go)}\` failed (${describeExit(r, TIMED_OUT)}):\n${r.stderr.trim()}`);
      return false;
    }
  }
  return true;
}

// ------------------------------------------------------------------ measuring
const results = [];

/** Baselines: the startup program under every configuration, for the net columns. */
const startupBench = {
  name: 'startup',
  file: 'startup',
  what: 'run one trivial task and print one line: process startup (Node, the VM, its worker threads), the baseline of the net columns',
  consts: [],
  expected: () => 'started 42\n',
  work: () => null,
  unit: null,
  configs: 'startup',
};

function implsForStartup(b) {
  // one row per configuration the selected benchmarks use
  const seen = new Map();
  for (const sb of selected) for (const i of implsFor(sb)) if (!seen.has(i.id)) seen.set(i.id, i);
  const order = (i) => (i.kind === 'asthra' ? 0 : 1000) + i.workers;
  return [...seen.values()].sort((x, y) => order(x) - order(y)).map((i) => {
    const label = i.kind === 'asthra' ? `Asthra --workers ${i.workers}` : `Go GOMAXPROCS=${i.workers}`;
    return i.kind === 'asthra' ? asthraImpl(b, i.workers, label) : goImpl(b, i.workers, label);
  });
}

const plan = [];
if (selected.length) plan.push({ bench: startupBench, impls: implsForStartup(startupBench) });
for (const b of selected) plan.push({ bench: b, impls: implsFor(b) });
const warmups = opts.quick ? 0 : 1;
for (const p of plan) {
  const rssExtra = opts.quick && p.bench.rss ? 1 : 0;
  progress.total += p.impls.length * (warmups + opts.runs + rssExtra);
}

for (const { bench: b, impls } of plan) {
  log(`\n== ${b.name}: ${b.what}`);
  let consts;
  try {
    consts = readConsts(b);
  } catch (e) {
    fail(`${b.name}: ${e.message}`);
    continue;
  }
  if (!build(b)) continue;
  const expected = b.expected(consts);
  const work = b.work(consts);

  const times = new Map(impls.map((i) => [i.id, []]));
  const extra = new Map(); // id -> { peakRssKB, stats }
  const broken = new Set();

  /** One run; `measure` = under /usr/bin/time with --stats (the warm-up, or the extra RSS run). */
  const once = (impl, timed, measure, what) => {
    if (broken.has(impl.id)) return;
    showProgress(`${b.name} ${impl.label} ${what}`);
    const c = impl.command(measure);
    let cmd = c.cmd;
    let args = c.args;
    const rssFile = path.join(OUT, `sched-rss-${process.pid}.txt`);
    if (measure && haveTime) {
      cmd = TIME;
      args = ['-f', '%M', '-o', rssFile, c.cmd, ...c.args];
    }
    const r = run(cmd, args, c.env);
    progress.done++;
    if (r.status !== 0 || r.stdout !== expected) {
      broken.add(impl.id);
      // keep the whole output of a failed run for the bug report
      const logFile = path.join(OUT, `sched-failed-${b.name}-${impl.id}-${process.pid}.txt`);
      fs.writeFileSync(logFile, `command: ${show(c.cmd, c.args, c.env)}\n${describeExit(r, TIMED_OUT)} after ${Math.round(r.ms)} ms\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
      const why = r.status !== 0
        ? `${describeExit(r, TIMED_OUT)} after ${Math.round(r.ms)} ms (${what}); stderr: ${r.stderr.split('\n').filter((l) => l.replace(/#/g, '').trim()).slice(0, 4).join(' | ') || '(empty)'}`
        : `wrong output (${firstDifference(r.stdout, expected)}) (${what})`;
      fail(`${b.name}/${impl.label}: \`${show(c.cmd, c.args, c.env)}\` ${why}; full output in ${rel(logFile)}`);
      return;
    }
    if (timed) times.get(impl.id).push(r.ms);
    if (measure) {
      let kb = null;
      if (haveTime) {
        try {
          kb = Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop());
          fs.unlinkSync(rssFile);
        } catch {
          kb = null;
        }
      }
      extra.set(impl.id, { peakRssKB: Number.isFinite(kb) ? kb : null, stats: impl.kind === 'asthra' ? parseStats(r.stderr) : null, ms: r.ms });
    }
  };

  for (const impl of impls) if (warmups) once(impl, false, true, 'warm-up');
  for (let k = 0; k < opts.runs; k++) {
    // rotate the order so that no implementation always runs first or right after another one
    const order = impls.map((_, j) => impls[(j + k) % impls.length]);
    for (const impl of order) once(impl, true, false, `run ${k + 1}/${opts.runs}`);
  }
  if (!warmups && b.rss) for (const impl of impls) once(impl, false, true, 'peak RSS');

  const rows = [];
  for (const impl of impls) {
    const ts = times.get(impl.id);
    const x = extra.get(impl.id) || {};
    if (broken.has(impl.id) || ts.length === 0) {
      rows.push({ id: impl.id, kind: impl.kind, workers: impl.workers, label: impl.label, failed: true });
      continue;
    }
    const med = median(ts);
    rows.push({
      id: impl.id,
      kind: impl.kind,
      workers: impl.workers,
      workersUsed: x.stats && x.stats.workers !== undefined ? x.stats.workers : null,
      label: impl.label,
      pair: impl.pair || null,
      baseline: impl.baseline || null,
      medianMs: round(med),
      minMs: round(Math.min(...ts)),
      runsMs: ts.map((t) => round(t)),
      rate: work && b.unit !== 'speedup' ? Math.round(work / (med / 1000)) : null,
      peakRssKB: x.peakRssKB ?? null,
      stats: x.stats ?? null,
    });
  }
  results.push({ name: b.name, what: b.what, unit: b.unit, work, consts, expected, rows });
}

// net times: a row's min minus the same configuration's startup min (mins: the runs least disturbed)
const startup = results.find((r) => r.name === 'startup');
if (startup) {
  const base = new Map(startup.rows.filter((r) => !r.failed).map((r) => [r.id, r.minMs]));
  for (const b of results) {
    if (b === startup) continue;
    for (const r of b.rows) {
      const bid = r.baseline || r.id;
      if (r.failed || !base.has(bid)) continue;
      r.netMs = round(r.minMs - base.get(bid));
      if (b.work && b.unit !== 'speedup' && r.netMs > 5) r.netRate = Math.round(b.work / (r.netMs / 1000));
    }
  }
}

// ratios to Go (median time / median time: above 1, Asthra is slower)
for (const b of results) {
  for (const r of b.rows) {
    if (r.failed || r.kind !== 'asthra') continue;
    const g = b.rows.find((x) => x.id === r.pair && !x.failed);
    r.ratioToGo = g ? round(r.medianMs / g.medianMs, 3) : null;
    r.goRow = g ? g.label : null;
    if (g && r.netMs !== undefined && g.netMs !== undefined && r.netMs > 5 && g.netMs > 5) r.netRatioToGo = round(r.netMs / g.netMs, 3);
  }
}

// the speedup curve
let curve = null;
const sp = results.find((b) => b.name === 'speedup');
if (sp) {
  const base = (kind) => sp.rows.find((r) => r.kind === kind && r.workers === 1 && !r.failed);
  const ws = [...new Set(sp.rows.map((r) => r.workers))].sort((a, b) => a - b);
  curve = { workers: ws, cpus: CPUS, asthra: [], go: [] };
  for (const kind of ['asthra', 'go']) {
    const b1 = base(kind);
    for (const w of ws) {
      const r = sp.rows.find((x) => x.kind === kind && x.workers === w && !x.failed);
      if (!r) continue;
      r.speedup = b1 ? round(b1.medianMs / r.medianMs, 3) : null;
      // the work's own speedup: net times (min minus the same configuration's startup min), so
      // neither the extra start-up of more threads nor one disturbed run weighs on it
      r.netSpeedup = b1 && b1.netMs > 5 && r.netMs > 5 ? round(b1.netMs / r.netMs, 3) : null;
      if (r.speedup !== null) curve[kind].push({ workers: w, medianMs: r.medianMs, speedup: r.speedup, netMs: r.netMs ?? null, netSpeedup: r.netSpeedup });
    }
  }
}

// the waiters summary: did 100k parked tasks complete under the default heap, and at what cost
let waiters = null;
const wb = results.find((b) => b.name === 'waiters');
if (wb) {
  waiters = {
    tasks: wb.consts.WAITERS,
    defaultMaxHeapBytes: DEFAULT_MAX_HEAP,
    rows: wb.rows.map((r) => ({
      label: r.label,
      completed: !r.failed,
      medianMs: r.medianMs ?? null,
      peakRssKB: r.peakRssKB ?? null,
      peakHeapBytes: r.stats ? r.stats.peakHeapBytes : null,
      gcCollections: r.stats ? r.stats.collections : null,
      gcPauseTotalMs: r.stats ? r.stats.gcPauseTotalMs : null,
      gcPauseMaxMs: r.stats ? r.stats.gcPauseMaxMs : null,
    })),
  };
}

// ------------------------------------------------------------------ SVG chart of the speedup curve
function svgChart(c) {
  const W = 640;
  const H = 420;
  const m = { l: 60, r: 170, t: 50, b: 55 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const xmax = Math.max(...c.workers);
  const ymaxData = Math.max(xmax, ...c.asthra.map((p) => p.speedup), ...c.go.map((p) => p.speedup));
  const ymax = Math.ceil(ymaxData);
  const X = (w) => m.l + (xmax === 1 ? pw / 2 : ((w - 1) / (xmax - 1)) * pw);
  const Y = (s) => m.t + ph - (s / ymax) * ph;
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${m.l}" y="22" font-size="15" font-weight="bold">Speedup of CPU-bound tasks vs 1 worker</text>`);
  parts.push(`<text x="${m.l}" y="38" fill="#555">${esc(`${env.cpus} CPUs, ${env.cpu}; median of ${env.runs} run(s); ${env.date.slice(0, 10)}`)}</text>`);
  // grid and ticks
  for (let s = 0; s <= ymax; s++) {
    const y = Y(s).toFixed(1);
    parts.push(`<line x1="${m.l}" y1="${y}" x2="${m.l + pw}" y2="${y}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${m.l - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${s}</text>`);
  }
  for (const w of c.workers) {
    const x = X(w).toFixed(1);
    parts.push(`<line x1="${x}" y1="${m.t}" x2="${x}" y2="${m.t + ph}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${x}" y="${m.t + ph + 18}" text-anchor="middle">${w}</text>`);
  }
  if (c.cpus < xmax) {
    const x = X(c.cpus).toFixed(1);
    parts.push(`<line x1="${x}" y1="${m.t}" x2="${x}" y2="${m.t + ph}" stroke="#999" stroke-dasharray="2 3"/>`);
    parts.push(`<text x="${(X(c.cpus) + 4).toFixed(1)}" y="${m.t + ph - 8}" fill="#777">${c.cpus} CPUs</text>`);
  }
  parts.push(`<line x1="${m.l}" y1="${m.t + ph}" x2="${m.l + pw}" y2="${m.t + ph}" stroke="#333"/>`);
  parts.push(`<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${m.t + ph}" stroke="#333"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 12}" text-anchor="middle">workers (Asthra --workers, Go GOMAXPROCS)</text>`);
  parts.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">speedup (time at 1 / time at N)</text>`);
  // ideal y = x, clipped at the top of the plot
  const idealEnd = Math.min(xmax, ymax);
  parts.push(`<line x1="${X(1).toFixed(1)}" y1="${Y(1).toFixed(1)}" x2="${X(idealEnd).toFixed(1)}" y2="${Y(idealEnd).toFixed(1)}" stroke="#888" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  const series = [
    { name: 'Asthra', color: '#d62728', pts: c.asthra },
    { name: 'Go', color: '#1f77b4', pts: c.go },
  ];
  for (const s of series) {
    if (!s.pts.length) continue;
    const d = s.pts.map((p, i) => `${i ? 'L' : 'M'}${X(p.workers).toFixed(1)} ${Y(p.speedup).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
    for (const p of s.pts) {
      parts.push(`<circle cx="${X(p.workers).toFixed(1)}" cy="${Y(p.speedup).toFixed(1)}" r="4" fill="${s.color}"><title>${esc(`${s.name}, ${p.workers} worker${p.workers === 1 ? '' : 's'}: ${p.speedup.toFixed(2)}x (${p.medianMs} ms)`)}</title></circle>`);
      parts.push(`<text x="${(X(p.workers) + 6).toFixed(1)}" y="${(Y(p.speedup) - 6).toFixed(1)}" fill="${s.color}" font-size="11">${p.speedup.toFixed(2)}</text>`);
    }
  }
  // legend
  const lx = m.l + pw + 20;
  const legend = [
    ['Asthra', '#d62728', ''],
    ['Go', '#1f77b4', ''],
    ['ideal (y = x)', '#888', ' stroke-dasharray="6 4"'],
  ];
  legend.forEach(([name, color, dash], i) => {
    const y = m.t + 10 + i * 22;
    parts.push(`<line x1="${lx}" y1="${y}" x2="${lx + 26}" y2="${y}" stroke="${color}" stroke-width="2.5"${dash}/>`);
    parts.push(`<text x="${lx + 32}" y="${y}" dominant-baseline="middle">${esc(name)}</text>`);
  });
  const a1 = c.asthra.find((p) => p.workers === 1);
  const g1 = c.go.find((p) => p.workers === 1);
  let y = m.t + 90;
  for (const [name, p] of [['Asthra', a1], ['Go', g1]]) {
    if (!p) continue;
    parts.push(`<text x="${lx}" y="${y}" fill="#555" font-size="11">${esc(`${name} at 1: ${p.medianMs} ms`)}</text>`);
    y += 16;
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

if (opts.svg) {
  if (curve && (curve.asthra.length || curve.go.length)) {
    fs.writeFileSync(opts.svg, svgChart(curve));
    log(`wrote ${opts.svg}`);
  } else {
    log(`--svg: no speedup curve measured (is 'speedup' filtered out?); ${opts.svg} not written`);
  }
}

// ------------------------------------------------------------------ report
const distAtEnd = distStamp();
if (distAtStart && distAtEnd && distAtStart.hash !== distAtEnd.hash) {
  notes.push(`dist/ changed during the run (build ${distAtStart.hash} of ${new Date(distAtStart.newest).toISOString()} at the start, ${distAtEnd.hash} of ${new Date(distAtEnd.newest).toISOString()} at the end): the results mix two builds; run again`);
}
env.dist = distAtEnd ? { hash: distAtEnd.hash, builtAt: new Date(distAtEnd.newest).toISOString(), changedDuringRun: Boolean(distAtStart && distAtStart.hash !== distAtEnd.hash) } : null;
if (progressShown && tty) process.stderr.write('\r\x1b[K');
progressShown = false;

if (opts.json) {
  process.stdout.write(JSON.stringify({ env, skipped, notes, benchmarks: results, speedupCurve: curve, waiters, rssNote: haveTime ? null : `${TIME} not available: peak RSS not measured`, failures }, null, 2) + '\n');
} else {
  const out = [];
  out.push('');
  out.push(`Asthra scheduler benchmarks: median of ${env.runs} timed run(s)${opts.quick ? '' : ' after 1 warm-up'}, whole-process wall time (startup included)`);
  out.push(`${env.cpu}, ${env.cpus} CPUs, ${env.memGB} GB, load average ${env.loadAverage[0]} at start; ${Object.values(env.tools).join('; ')}${env.dist ? `; dist/ ${env.dist.hash} built ${env.dist.builtAt}` : ''}`);
  for (const s of skipped) out.push(s);
  out.push('');
  out.push('rate = work / median time (whole process); net = min minus the same configuration\'s startup min.');
  out.push('asthra/go = Asthra median time / Go median time with the same worker count (above 1: Asthra slower).');
  out.push('');
  const rows = [];
  for (const b of results) {
    for (const r of b.rows) {
      if (r.failed) {
        rows.push([b.name, r.label, 'FAILED', '', '', '', '', '', '', '']);
        continue;
      }
      const rate = b.unit === 'speedup' ? (r.speedup == null ? '-' : `${r.speedup.toFixed(2)}x`) : r.rate === null ? '-' : fmtRate(r.rate);
      rows.push([
        b.name,
        r.label,
        r.medianMs.toFixed(1),
        r.minMs.toFixed(1),
        r.netMs === undefined ? '-' : r.netMs.toFixed(1),
        rate,
        b.unit === 'speedup' ? '' : r.netRate === undefined ? '-' : fmtRate(r.netRate),
        b.unit || '',
        r.kind === 'asthra' ? fmtRatio(r.ratioToGo) : '',
        r.peakRssKB === null ? (haveTime && !opts.quick ? '?' : '-') : (r.peakRssKB / 1024).toFixed(1),
      ]);
    }
  }
  out.push(table(['benchmark', 'implementation', 'median ms', 'min ms', 'net ms', 'rate', 'net rate', 'unit', 'asthra/go', 'peak RSS MB'], rows, [0, 1, 7]));
  if (!haveTime) out.push(`(peak RSS skipped: ${TIME} is not available; apt-get install time)`);

  if (curve) {
    out.push('');
    out.push(`Speedup curve (speedup task: ${sp.consts.TASKS} tasks x ${sp.consts.ITERS.toLocaleString('en-US')} iterations; ${CPUS} CPUs):`);
    const crows = curve.workers.map((w) => {
      const a = curve.asthra.find((p) => p.workers === w);
      const g = curve.go.find((p) => p.workers === w);
      const net = (p) => (p && p.netSpeedup != null ? `${p.netSpeedup.toFixed(2)}x` : '-');
      return [w, a ? a.medianMs.toFixed(1) : '-', a ? `${a.speedup.toFixed(2)}x` : '-', net(a), g ? g.medianMs.toFixed(1) : '-', g ? `${g.speedup.toFixed(2)}x` : '-', net(g), `${Math.min(w, CPUS)}.00x`];
    });
    out.push(table(['workers', 'asthra ms', 'asthra speedup', 'net', 'go ms', 'go speedup', 'net', 'ideal (cores)'], crows, []));
    out.push('speedup = median time at 1 worker / median time at N (whole process); net = the same with net times.');
  }

  if (waiters) {
    out.push('');
    out.push(`waiters: ${waiters.tasks.toLocaleString('en-US')} tasks parked on one mutex, default heap (--max-heap ${(DEFAULT_MAX_HEAP / 1048576).toFixed(0)} MB here):`);
    for (const r of waiters.rows) {
      if (!r.completed) {
        out.push(`  ${r.label}: DID NOT COMPLETE (see the failures below)`);
        continue;
      }
      const bits = [`completed, median ${r.medianMs} ms`];
      bits.push(`peak RSS ${r.peakRssKB === null ? 'n/a' : (r.peakRssKB / 1024).toFixed(1) + ' MB'}`);
      if (r.peakHeapBytes !== null && r.peakHeapBytes !== undefined) {
        bits.push(`peak heap ${fmtMB(r.peakHeapBytes)} MB (~${Math.round(r.peakHeapBytes / waiters.tasks)} bytes per parked task)`);
        bits.push(`GC ${r.gcCollections} collections, pause total ${r.gcPauseTotalMs} ms, max ${r.gcPauseMaxMs} ms`);
      }
      out.push(`  ${r.label}: ${bits.join(', ')}`);
    }
  }

  // the workers each Asthra configuration really used (from --stats)
  const oneWorker = [];
  for (const b of results) {
    for (const r of b.rows) {
      if (r.kind === 'asthra' && !r.failed && r.workersUsed !== null && r.workersUsed !== r.workers) oneWorker.push(`${b.name} (${r.label} ran ${r.workersUsed})`);
    }
  }
  if (oneWorker.length) notes.push(`--stats reports fewer workers than asked for: ${oneWorker.join(', ')}`);

  const summary = [];
  for (const b of results) {
    if (b.name === 'startup' || b.unit === 'speedup') continue;
    const parts = b.rows.filter((r) => r.kind === 'asthra' && !r.failed && r.ratioToGo !== null).map((r) => `${fmtRatio(r.ratioToGo)} ${r.goRow} (${r.label})`);
    if (parts.length) summary.push(`${b.name}: asthra takes ${parts.join(', ')}`);
  }
  if (summary.length) {
    out.push('');
    out.push('Summary (Asthra median time as a multiple of Go\'s; above 1x = Asthra slower):');
    for (const s of summary) out.push(s);
  }
  if (notes.length) {
    out.push('');
    for (const n of notes) out.push(`note: ${n}`);
  }
  if (failures.length) {
    out.push('');
    out.push(`FAILED (${failures.length}):`);
    for (const f of failures) out.push(`  ${f}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

process.exitCode = failures.length ? 1 : 0;
