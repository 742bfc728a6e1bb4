// The command line: parses arguments and calls compile / writeAstb / readAstb / verify / run.
// It holds no logic of its own beyond turning every failure into a message and an exit code:
//   0 ok, 1 compile or runtime error, 2 usage error or invalid bytecode file, 70 internal error.
import { existsSync, readFileSync, statSync, writeFileSync } from 'fs';
import * as path from 'path';
import { AstbError, readAstb, writeAstb } from '../bytecode/astb';
import { disassemble } from '../bytecode/disasm';
import { Module, usesSpawn } from '../bytecode/module';
import type { Piscina } from 'piscina';
import { VerifyError, verifyModule } from '../bytecode/verify';
// only the error classes: the compiler itself loads when a command needs it
import { CompileError, CompileErrors, InternalError, MAX_ERRORS } from '../compiler/diagnostics';
import { LinkError, hardExit } from '../ffi/library';
import { CrashWatch, watchStarting } from '../ffi/crash';
import { callsInC } from '../ffi/pool';
import { CallbackSetupError, callbacksStarted } from '../ffi/callbacks';
import { writeAll } from '../vm/output';
import { TraceFileError } from '../trace/summary';
import { PackageError } from '../pkg/error';
import { CRASH_WATCH_ENTRY, EXIT_INTERNAL, MAX_WORKERS, RunOptions, defaultWorkers, runModule, runModuleParallel, startPool } from '../runtime/run';

/** the package's version (read when asked: start-up need not load package.json) */
const version = (): string => (require('../../package.json') as { version: string }).version;

const help = (): string => `asthra ${version()}: the Asthra language, compiled to bytecode and run on a fiber VM

Usage:
  asthra run <file.asthra> [args...]       compile and run a program
  asthra build <file.asthra> [-o out.astb]  compile to a bytecode file
  asthra check <file.asthra>               compile without running or writing anything: exit 0
                                           and silence, or the errors (for editors and CI)
  asthra init [name]                       start a project: asthra.toml and src/main.asthra
  asthra add NAME --path DIR               add a dependency to asthra.toml (a local package, or
  asthra add NAME --git URL [--version R]  a git repository's tags vX.Y.Z in the semver range R)
  asthra install                           fetch the dependencies, transitively, and write
                                           asthra.lock (a second install keeps its versions)
  asthra update                            the same, ignoring the lock: the newest allowed versions
                                           (in a project, run, build and check without a file
                                           compile its src/main.asthra; see docs/packages.md)
  asthra exec <file.astb> [args...]        verify and run a bytecode file
  asthra disasm <file.astb|file.asthra>    print the bytecode with source lines
  asthra trace summary <trace.json>        what a --trace file says: per function, per worker,
                                           the longest pauses
  asthra trace view <trace.json> [-o F]    the timeline as one self-contained HTML page
  asthra bench [options]                   scheduler throughput against Go, then C interop
                                           (--quick, --json, --svg F; bench sched|ffi for one;
                                           bench generics: a generic max<T> against a hand-written one)
  asthra bench lang [options]              language benchmarks against JS, Lua, CPython, Go

Options:
  -o, --output FILE    where build writes (default: the source name with .astb)
  --max-heap SIZE      heap limit, e.g. 512m or 2g (default: 1/4 of RAM, at most 2g)
  --gc-pause PERCENT   collect when the heap grows to PERCENT of the live data (default 200;
                       also ASTHRA_GC_PAUSE)
  --stats              print heap figures and what each worker ran and stole, at exit
  --trace FILE         write an execution trace (Chrome trace-event JSON: open it in Perfetto,
                       chrome://tracing, or asthra trace view) when the program ends
  --workers N          worker threads running tasks (default: the number of cores, at most 8)
  --seed N             run ready tasks in a seeded random order (reproducible with --workers 1)
  --lib-path DIR       search DIR for the C libraries externs name (repeatable; also
                       ASTHRA_LIB_PATH, a ':'-separated list)
  --gc-verify          check every reference after each collection (slow; for debugging)
  --gc-torture         collect before every allocation (very slow; for testing the collector)
  --error-format F     compile errors as 'human' text (default) or 'json', one object a line
  --no-native          run every function in the interpreter (no native tier)
  --native-depth N     native recursion depth before frames spill to the interpreter
  --native-hot N       calls of a function in the interpreter before it is compiled to
                       JavaScript (default 100; 1 compiles every function at its first call)
  -h, --help           show this help
  -v, --version        show the version

Exit codes: 0 ok, 1 compile or runtime error, 2 bad usage or bytecode file, 70 internal error.
`;

class UsageError extends Error {}

/** The bytecode file being loaded, for the messages of report. */
let bytecodeFile: string | null = null;

/** How compile errors are written (--error-format); read by report, which runs after parseArgs. */
let errorFormat: 'human' | 'json' = 'human';

function setErrorFormat(text: string): void {
  if (text !== 'human' && text !== 'json') throw new UsageError(`--error-format needs 'human' or 'json', not '${text}'`);
  errorFormat = text;
}

export const EXIT_USAGE = 2;

interface Parsed {
  command: string;
  file: string | null;
  output: string | null;
  maxHeap: number;
  native: boolean;
  nativeDepth: number | undefined;
  nativeHot: number | undefined;
  gcPause: number;
  gcVerify: boolean;
  gcTorture: boolean;
  stats: boolean;
  seed: number | undefined;
  workers: number | undefined;
  libPaths: string[];
  trace: string | null;
  rest: string[];
  /** the whole command line, for a trace's metadata */
  argv: string[];
}

export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(text.trim());
  if (!m) throw new UsageError(`invalid size '${text}' (use e.g. 64m or 1g)`);
  const mult = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Math.floor(Number(m[1]) * mult);
  if (n < 1 << 20) throw new UsageError(`--max-heap ${text} is too small (at least 1m)`);
  if (n > 2 ** 31 - 1) throw new UsageError(`--max-heap ${text} is too large (at most 2g for now)`);
  return n;
}

function defaultMaxHeap(): number {
  const quarter = Math.floor(require('os').totalmem() / 4);
  return Math.max(64 << 20, Math.min(quarter, 2 ** 31 - 8));
}

function parseArgs(argv: string[]): Parsed {
  const p: Parsed = { command: '', file: null, output: null, maxHeap: defaultMaxHeap(), native: true, nativeDepth: undefined, nativeHot: undefined,
    gcPause: envPause(), gcVerify: false, gcTorture: process.env.ASTHRA_GC_TORTURE === '1', stats: false, seed: undefined, workers: undefined, libPaths: [], trace: null, rest: [], argv };
  let i = 0;
  const value = (flag: string): string => {
    if (i + 1 >= argv.length) throw new UsageError(`${flag} needs a value`);
    return argv[++i];
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    // `asthra bench` hands every following argument to the harness
    if (p.command === 'bench') {
      p.rest.push(a);
      continue;
    }
    // `asthra trace summary|view FILE`: the words after `trace`
    if (p.command === 'trace' && !(a.startsWith('-') && a !== '-')) {
      p.rest.push(a);
      continue;
    }
    // after the program file, everything belongs to the program
    if (p.file !== null && (p.command === 'run' || p.command === 'exec')) {
      if (a === '--' && p.rest.length === 0) continue;
      p.rest.push(a);
      continue;
    }
    if (a === '-h' || a === '--help') p.command = 'help';
    else if (a === '-v' || a === '--version') p.command = p.command || 'version';
    else if (a === '-o' || a === '--output') p.output = value(a);
    else if (a === '--max-heap') p.maxHeap = parseSize(value(a));
    else if (a.startsWith('--max-heap=')) p.maxHeap = parseSize(a.slice('--max-heap='.length));
    else if (a === '--no-native') p.native = false;
    else if (a === '--error-format') setErrorFormat(value(a));
    else if (a.startsWith('--error-format=')) setErrorFormat(a.slice('--error-format='.length));
    else if (a === '--gc-pause') p.gcPause = gcPause(value(a));
    else if (a === '--gc-verify') p.gcVerify = true;
    else if (a === '--gc-torture') p.gcTorture = true;
    else if (a === '--stats') p.stats = true;
    else if (a === '--seed') p.seed = nonNegativeInt(a, value(a));
    else if (a === '--workers') p.workers = workerCount(value(a));
    else if (a === '--native-depth') p.nativeDepth = positiveInt(a, value(a));
    else if (a === '--native-hot') p.nativeHot = positiveInt(a, value(a));
    else if (a === '--trace') p.trace = value(a);
    else if (a.startsWith('--trace=')) p.trace = a.slice('--trace='.length);
    else if (a === '--lib-path') p.libPaths.push(value(a));
    else if (a.startsWith('--lib-path=')) p.libPaths.push(a.slice('--lib-path='.length));
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}'`);
    else if (!p.command) p.command = a;
    else if (p.file === null) p.file = a;
    else throw new UsageError(`unexpected argument '${a}'`);
  }
  return p;
}

function gcPause(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 101 || n > 100000) throw new UsageError(`--gc-pause needs a percentage above 100, not '${text}'`);
  return n;
}

function envPause(): number {
  const v = process.env.ASTHRA_GC_PAUSE;
  return v === undefined || v === '' ? 200 : gcPause(v);
}

function workerCount(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new UsageError(`--workers needs a number from 1 to ${MAX_WORKERS}, not '${text}'`);
  return n;
}

function nonNegativeInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`${flag} needs a whole number, not '${text}'`);
  return n;
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer, not '${text}'`);
  return n;
}

function readSource(file: string): string {
  if (!existsSync(file)) throw new UsageError(`cannot read '${file}': no such file`);
  let bytes: Buffer;
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`cannot read '${file}': it is a directory`);
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // a binary file is not echoed back as garbled source lines
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`'${file}' is not a UTF-8 text file`);
  }
  if (text.includes('\0')) throw new UsageError(`'${file}' is not a UTF-8 text file (it contains NUL bytes)`);
  return text;
}

function loadBytecode(file: string): Module {
  if (!existsSync(file)) throw new UsageError(`cannot read '${file}': no such file`);
  if (/\.(asthra|ast)$/.test(file)) throw new UsageError(`'${file}' is a source file: use asthra run ${file} for source files (exec runs .astb bytecode)`);
  if (statSync(file).isDirectory()) throw new UsageError(`cannot read '${file}': it is a directory`);
  bytecodeFile = file;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const m = readAstb(bytes);
  verifyModule(m);
  return m;
}

function compileFile(file: string): Module {
  if (!/\.(asthra|ast)$/.test(file)) throw new UsageError(`'${file}' is not an Asthra source file (.asthra or .ast)`);
  // the compiler loads only when a command needs it, so `exec` starts faster
  const { compile } = require('../compiler/compile') as typeof import('../compiler/compile');
  return compile(readSource(file), file);
}

function need(p: Parsed): string {
  if (p.file === null) throw new UsageError(`'asthra ${p.command}' needs a file`);
  return p.file;
}

/** run and build without a file, in a project (a directory with asthra.toml): its src/main.asthra. */
function projectMain(p: Parsed): string {
  if (p.file !== null) return p.file;
  const { findManifest } = require('../pkg/manifest') as typeof import('../pkg/manifest');
  const toml = findManifest(process.cwd());
  if (toml === null) throw new UsageError(`'asthra ${p.command}' needs a file (or run it in a project: a directory with asthra.toml, made by asthra init)`);
  const main = path.join(path.dirname(toml), 'src', 'main.asthra');
  if (!existsSync(main)) throw new UsageError(`'asthra ${p.command}' needs a file: the project ${path.relative(process.cwd(), toml) || toml} has no src/main.asthra`);
  return path.relative(process.cwd(), main);
}

const PACKAGE_COMMANDS = ['init', 'add', 'install', 'update'];

/** `asthra init [name]`, `add NAME --path DIR | --git URL [--version R | --tag T]`, `install`, `update`. */
function packageCommand(cmd: string, args: string[]): number {
  const pkg = require('../pkg/install') as typeof import('../pkg/install');
  const say = (line: string): void => writeAll(1, line + '\n');
  if (args.includes('-h') || args.includes('--help')) {
    writeAll(1, help());
    return 0;
  }
  const opts: Record<string, string> = {};
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const m = /^--(path|git|version|tag)(?:=(.*))?$/.exec(a);
    if (m && cmd === 'add') {
      const v = m[2] ?? args[++i];
      if (v === undefined) throw new UsageError(`--${m[1]} needs a value`);
      opts[m[1]] = v;
    } else if (a.startsWith('-')) throw new UsageError(`unknown option '${a}' for asthra ${cmd}`);
    else words.push(a);
  }
  const most = cmd === 'install' || cmd === 'update' ? 0 : 1;
  if (words.length > most) throw new UsageError(`unexpected argument '${words[most]}' for asthra ${cmd}`);
  if (cmd === 'init') {
    pkg.init(process.cwd(), words[0], say);
    return 0;
  }
  const toml = pkg.projectManifest(process.cwd(), cmd);
  if (cmd === 'add') {
    if (words.length === 0) throw new UsageError("'asthra add' needs a name: asthra add NAME --path DIR or --git URL [--version RANGE]");
    pkg.add(toml, words[0], opts, say);
    return 0;
  }
  const entries = pkg.install(toml, cmd === 'update', say);
  const lock = path.relative(process.cwd(), path.join(path.dirname(toml), 'asthra.lock')) || 'asthra.lock';
  say(`${entries.length} package${entries.length === 1 ? '' : 's'}${entries.map((e) => ` ${e.name} ${e.version}`).join(',')}: wrote ${lock}`);
  return 0;
}

function runOptions(p: Parsed): RunOptions {
  return {
    args: p.rest, maxHeapBytes: p.maxHeap, native: p.native, nativeDepth: p.nativeDepth, nativeHot: p.nativeHot,
    gcPause: p.gcPause, gcVerify: p.gcVerify, gcTorture: p.gcTorture, stats: p.stats, seed: p.seed,
    workers: p.workers ?? defaultWorkers(), libPaths: p.libPaths,
    ...(p.trace !== null ? { trace: traceFile(p.trace), command: ['asthra', ...p.argv].join(' ') } : {}),
  };
}

/** The --trace file, checked before the program runs (it is written when the program ends). */
function traceFile(file: string): string {
  if (file === '') throw new UsageError('--trace needs a file name');
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir)) throw new UsageError(`cannot write the trace to '${file}': no directory '${path.dirname(file)}'`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`cannot write the trace to '${file}': it is a directory`);
  return file;
}

/**
 * A program that never starts a task runs on one worker in this thread: no threads to start.
 * `pool` is a set of worker threads started early (see startEarly); unused, it is shut down.
 */
function run(m: Module, opts: RunOptions, pool?: Piscina): number | Promise<number> {
  if (!usesSpawn(m) || (opts.workers ?? 1) <= 1) {
    if (pool) return pool.destroy().then(() => runModule(m, { ...opts, workers: 1 }));
    return runModule(m, { ...opts, workers: 1 });
  }
  return runModuleParallel(m, opts, pool);
}

/**
 * Worker threads take about 60 ms to start, so when a source file mentions `spawn` they are
 * started before it is compiled, and start while the compiler works. (A false alarm, such as
 * `spawn` in a comment, costs a thread that is shut down again.)
 */
function startEarly(file: string, opts: RunOptions): Piscina | undefined {
  const workers = Math.min(MAX_WORKERS, opts.workers ?? 1);
  if (workers <= 1 || !existsSync(file)) return undefined;
  try {
    return /\bspawn/.test(readFileSync(file, 'utf8')) ? startPool(workers - 1) : undefined;
  } catch {
    return undefined; // unreadable: compileFile reports it
  }
}

/**
 * The thread that reports a crash inside C (runtime/crashwatch.ts) also takes tens of milliseconds to
 * start: for a source file that mentions `extern`, it starts before the file is compiled.
 */
function watchEarly(file: string): CrashWatch | undefined {
  try {
    return existsSync(file) && /\bextern\b/.test(readFileSync(file, 'utf8')) ? new CrashWatch(CRASH_WATCH_ENTRY) : undefined;
  } catch {
    return undefined; // unreadable: compileFile reports it
  }
}

function dispatch(p: Parsed): number | Promise<number> {
  switch (p.command) {
    case '':
    case 'help':
      writeAll(1, help());
      return 0;
    case 'version':
      writeAll(1, `asthra ${version()}\n`);
      return 0;
    case 'build': {
      const file = projectMain(p);
      const m = compileFile(file);
      const out = p.output ?? file.replace(/\.(asthra|ast)$/, '') + '.astb';
      try {
        writeFileSync(out, writeAstb(m));
      } catch (e) {
        throw new UsageError(`cannot write '${out}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      return 0;
    }
    case 'check': {
      // everything run does before running: the compiler's checks and the bytecode verifier
      verifyModule(compileFile(projectMain(p)));
      return 0;
    }
    case 'exec':
      return run(loadBytecode(need(p)), runOptions(p));
    case 'run': {
      const file = projectMain(p);
      const opts = runOptions(p);
      const source = /\.(asthra|ast)$/.test(file);
      const pool = source ? startEarly(file, opts) : undefined;
      const crashWatch = source ? watchEarly(file) : undefined;
      let m: Module;
      try {
        m = compileFile(file);
        verifyModule(m);
      } catch (e) {
        void pool?.destroy();
        crashWatch?.disarm();
        throw e;
      }
      return run(m, { ...opts, crashWatch }, pool);
    }
    case 'disasm': {
      const file = need(p);
      const m = file.endsWith('.astb') ? loadBytecode(file) : compileFile(file);
      writeAll(1, disassemble(m));
      return 0;
    }
    case 'trace':
      return traceCommand(p);
    case 'bench': {
      // `asthra bench`: the scheduler harness, then (without --filter) the C interop one;
      // `asthra bench sched|ffi|lang|generics`: one harness (lang: the language benchmarks)
      const which = ['sched', 'ffi', 'lang', 'generics'].includes(p.rest[0]) ? p.rest[0] : null;
      const rest = which ? p.rest.slice(1) : p.rest;
      const harness = (name: string): string => {
        const script = path.join(__dirname, '..', '..', 'bench', name === 'lang' ? 'run.js' : `${name}.js`);
        if (!existsSync(script)) throw new UsageError(`the benchmark harness ${path.relative(process.cwd(), script)} is missing`);
        return script;
      };
      const { spawnSync } = require('child_process') as typeof import('child_process');
      const go = (name: string): number => spawnSync(process.execPath, [harness(name), ...rest], { stdio: 'inherit' }).status ?? 1;
      if (which) return go(which);
      const sched = go('sched');
      const helpOnly = rest.some((a) => a === '-h' || a === '--help');
      if (helpOnly || rest.some((a) => a === '--json' || a === '--filter' || a.startsWith('--filter=') || a === '--svg' || a.startsWith('--svg=') || a.startsWith('--workers-max'))) return sched;
      const ffi = go('ffi');
      return sched !== 0 ? sched : ffi;
    }
    default:
      throw new UsageError(`unknown command '${p.command}' (try 'asthra --help')`);
  }
}

/** `asthra trace summary FILE` (trace/summary.ts), `asthra trace view FILE [-o F]` (trace/view.ts). */
function traceCommand(p: Parsed): number {
  const [sub, file, ...extra] = p.rest;
  if (sub === undefined) throw new UsageError("'asthra trace' needs a command: summary or view");
  if (sub !== 'summary' && sub !== 'view') throw new UsageError(`unknown trace command '${sub}' (try 'asthra trace summary FILE' or 'asthra trace view FILE')`);
  if (file === undefined) throw new UsageError(`'asthra trace ${sub}' needs a trace file (written by asthra run --trace FILE)`);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const json = readTraceJson(file);
  if (sub === 'summary') {
    const { summarize } = require('../trace/summary') as typeof import('../trace/summary');
    writeAll(1, summarize(json, file));
    return 0;
  }
  const { traceHtml } = require('../trace/view') as typeof import('../trace/view');
  const html = traceHtml(json, file);
  const out = p.output ?? file.replace(/\.json$/i, '') + '.html';
  try {
    writeFileSync(out, html);
  } catch (e) {
    throw new UsageError(`cannot write '${out}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return 0;
}

/** A trace file's JSON (a file that is not JSON is a usage error naming it). */
function readTraceJson(file: string): unknown {
  if (!existsSync(file)) throw new UsageError(`cannot read '${file}': no such file`);
  if (statSync(file).isDirectory()) throw new UsageError(`cannot read '${file}': it is a directory`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`'${file}' is not a trace written by asthra --trace (not JSON: ${(e as Error).message})`);
  }
}

export function main(argv: string[]): void {
  let result: number | Promise<number>;
  try {
    result = PACKAGE_COMMANDS.includes(argv[0]) ? packageCommand(argv[0], argv.slice(1)) : dispatch(parseArgs(argv));
  } catch (e) {
    result = report(e, argv);
  }
  if (typeof result === 'number') {
    if (callbacksStarted() || callsInC() || watchStarting()) hardExit(result);
    process.exitCode = result;
    return;
  }
  result.then(
    (code) => {
      // output is written synchronously; exiting here does not wait for worker threads that
      // are still starting up (they would find the program over)
      if (callbacksStarted() || callsInC() || watchStarting()) hardExit(code);
      process.exit(code);
    },
    (e) => {
      process.exitCode = report(e, argv);
    },
  );
}

function report(e: unknown, argv: string[]): number {
  if (e instanceof CompileError || e instanceof CompileErrors) {
    const all = e instanceof CompileErrors ? e.errors : [e];
    if (errorFormat === 'json') writeAll(2, all.slice(0, MAX_ERRORS).map((d) => JSON.stringify(d.toJSON()) + '\n').join(''));
    else writeAll(2, e.render());
    return 1;
  }
  if (e instanceof TraceFileError) {
    writeAll(2, `asthra: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (e instanceof UsageError) {
    writeAll(2, `asthra: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (e instanceof PackageError) {
    writeAll(2, `asthra: ${e.message}\n`);
    return 1;
  }
  const file = bytecodeFile ?? argv.find((a) => a.endsWith('.astb')) ?? 'bytecode';
  if (e instanceof AstbError) {
    writeAll(2, `asthra: ${file}: invalid bytecode file: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (e instanceof VerifyError) {
    writeAll(2, `asthra: ${file}: bytecode rejected by the verifier: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (e instanceof LinkError) {
    // before the program starts: the extern's declaration names the library and the symbol
    const x = e.ext;
    writeAll(2, `${e.file}:${x.line}:${x.col}: error: extern '${x.name}': ${e.message}\n`);
    return 1;
  }
  if (e instanceof CallbackSetupError) {
    writeAll(2, `asthra: cannot set up the program's callbacks from C: ${e.message}\n`);
    return 1;
  }
  if (e instanceof InternalError) {
    writeAll(2, `asthra: ${e.message}\n`);
    return EXIT_INTERNAL;
  }
  const err = e as Error;
  writeAll(2, `asthra: internal error: ${err?.message ?? String(e)}\n`);
  if (process.env.ASTHRA_DEBUG) writeAll(2, `${err?.stack ?? ''}\n`);
  return EXIT_INTERNAL;
}
