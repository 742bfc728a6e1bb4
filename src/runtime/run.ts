// Running a verified Module: set up the shared arena (globals, string constants, the main fiber),
// run the workers (one in this thread, or N Piscina threads over the same SharedArrayBuffer),
// and turn how the program ended into an exit code.
import * as os from 'os';
import * as path from 'path';
import type { Piscina } from 'piscina';
import { writeAstb } from '../bytecode/astb';
import { MainKind, Module } from '../bytecode/module';
import { Arena } from '../heap/arena';
import { Collector } from '../heap/gc';
import { HDR_VARIANT, MAX_WORKERS, Meta, Tag } from '../heap/layout';
import type { SchedulerEvents } from '../scheduler/events';
import { handleResultSlot } from '../scheduler/handle';
import { setUpCallbacks } from '../ffi/callbacks';
import { awaitStartingThreads, setUpFfi } from '../ffi/pool';
import { checkExterns, libraryDirs } from '../ffi/library';
import { CrashWatch } from '../ffi/crash';

/** The script of the thread that reports a crash inside C (crashwatch.ts). */
export const CRASH_WATCH_ENTRY = path.join(__dirname, 'crashwatch.js');
import { newInjectRing } from '../scheduler/inject';
import { LOCAL_QUEUE_BYTES } from '../scheduler/runq';
import { Finish, Stat, countsLine, spawnMain } from '../scheduler/scheduler';
import { internUnits } from '../vm/interpreter';
import { Output } from '../vm/output';
import { EXIT_INTERNAL, EXIT_RUNTIME_ERROR } from './report';
import { PoolTask, TEMP_ROOT_SLOTS, WorkerConfig, abortWorkers, runWorker } from './worker';
import { Tracer, traceNames } from './tracing';
import { newCallLog, readCallLog } from '../trace/calls';
import { writeChromeTrace } from '../trace/chrome';
import type { TraceDump } from '../trace/recorder';

export { EXIT_INTERNAL, EXIT_RUNTIME_ERROR, MAX_WORKERS };
export { formatTrap } from './report';

export interface RunOptions {
  args: string[];
  maxHeapBytes: number;
  stackSlots?: number;
  native?: boolean;
  nativeDepth?: number;
  /** calls of a function the interpreter makes before the native tier translates it */
  nativeHot?: number;
  gcPause?: number;
  gcVerify?: boolean;
  gcTorture?: boolean;
  /** print allocation and collection figures to stderr at exit */
  stats?: boolean;
  /** pick runnable tasks in a seeded random order (reproducible with one worker) */
  seed?: number;
  /** worker threads (default 1 here; the CLI passes its own default) */
  workers?: number;
  /** state-change hooks of the scheduler (scheduler/events.ts): one worker, in this thread */
  events?: SchedulerEvents;
  /** directories searched for the libraries externs name (--lib-path; ASTHRA_LIB_PATH is added) */
  libPaths?: string[];
  /** write an execution trace to this file at exit (--trace; trace/chrome.ts) */
  trace?: string;
  /** the command line, for the trace's metadata */
  command?: string;
  /** the crash reports' watch thread, if the caller started it early (ffi/crash.ts) */
  crashWatch?: CrashWatch;
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(MAX_WORKERS, os.availableParallelism ? os.availableParallelism() : os.cpus().length));
}

interface Prepared {
  arena: Arena;
  cfg: WorkerConfig;
  /** for a program that calls C: the thread that reports a crash in C (ffi/crash.ts) */
  watch: CrashWatch | null;
  /** the program as a bytecode file, when it was needed already */
  astb: Uint8Array | null;
}

/** Build the arena every worker shares; returns it with the worker configuration. */
function prepare(m: Module, opts: RunOptions, workers: number): Prepared {
  // the thread that reports a crash in C takes tens of milliseconds to start, and the first C
  // call waits for it: it starts before the libraries are loaded and checked, which takes
  // about as long
  const watch = m.externs.length > 0 ? opts.crashWatch ?? new CrashWatch(CRASH_WATCH_ENTRY) : null;
  if (watch === null) opts.crashWatch?.disarm(); // started early for a program that calls no C after all
  // every library and symbol is found before anything runs (a LinkError names the extern)
  const libDirs = libraryDirs(opts.libPaths ?? []);
  try {
    checkExterns(m.externs, libDirs, m.sourceName);
  } catch (e) {
    watch?.disarm();
    throw e;
  }
  // One worker grows the buffer as it goes; several share it from the start at its full size
  // (the OS commits pages only as they are touched), so no thread ever sees the buffer move.
  const initial = workers > 1 ? opts.maxHeapBytes : Math.min(64 << 20, opts.maxHeapBytes);
  const arena = new Arena(initial, opts.maxHeapBytes);
  const strRefs = m.strings.map((s) => arena.newString(s));
  const unitRefs = internUnits(m, arena);
  const globalBlock = arena.alloc(Tag.STACK, Math.max(1, m.globals.length) * 8);
  arena.i32[Meta.WORKERS] = workers;
  for (let w = 0; w < workers; w++) arena.i32[Meta.LOCALQ0 + w] = arena.alloc(Tag.STACK, LOCAL_QUEUE_BYTES);
  if (workers > 1) {
    for (let w = 0; w < workers; w++) arena.i32[Meta.TEMP_ROOTS0 + w] = arena.alloc(Tag.STACK, (TEMP_ROOT_SLOTS + 1) * 8);
  }
  arena.i32[Meta.INJECT] = newInjectRing(arena);
  const trace = opts.trace ? { origin: performance.timeOrigin, callLog: newCallLog() } : null;
  const astb = watch !== null ? writeAstb(m) : null;
  const ffiTrace = trace ? { log: trace.callLog, origin: trace.origin } : undefined;
  setUpFfi(arena, m.externs, libDirs, ffiTrace, watch?.table);
  // after setUpFfi: the watch thread serves the C thread pool from the FFI ring it made
  if (watch !== null) watch.attach(arena.sab, astb!, arena.i32[Meta.FFI_POOL] === 1 ? { externs: [...m.externs], dirs: libDirs, trace: ffiTrace } : null);
  setUpCallbacks(arena, m.callbacks, m.callbacks.map((c) => m.functions[c.fn].name));
  // main is the first fiber (task 0); its handle holds the program's result
  arena.i32[Meta.MAIN_HANDLE] = spawnMain(arena, m.entry, m.functions[m.entry]);
  const cfg: WorkerConfig = {
    index: 0, workers, args: opts.args, native: opts.native, nativeDepth: opts.nativeDepth, nativeHot: opts.nativeHot, stackSlots: opts.stackSlots,
    gcPause: opts.gcPause ?? 200, gcVerify: opts.gcVerify ?? false, gcTorture: opts.gcTorture ?? false,
    seed: opts.seed ?? null, strRefs, unitRefs, globalBlock, libDirs, trace, crash: watch?.table ?? null,
  };
  arena.resetGcCount();
  return { arena, cfg, watch, astb };
}

/** The exit code once every worker has stopped. */
function finish(m: Module, arena: Arena, out: Output, opts: RunOptions): number {
  out.flush();
  const i32 = arena.i32;
  let code: number;
  switch (i32[Meta.DONE]) {
    case Finish.Completed: {
      const result = arena.f64[handleResultSlot(i32[Meta.MAIN_HANDLE])];
      code = mainExit(m, arena, out, result);
      if (code === 0 && i32[Meta.UNOBSERVED] > 0) code = EXIT_RUNTIME_ERROR;
      break;
    }
    default:
      code = i32[Meta.EXIT_CODE];
  }
  if (opts.stats) out.stderr(formatStats(arena, Number(i32[Meta.WORKERS])));
  return code;
}

/** Run with one worker in this thread. */
export function runModule(m: Module, opts: RunOptions): number {
  const out = new Output();
  const { arena, cfg, watch } = prepare(m, opts, 1);
  const tracer = cfg.trace ? new Tracer(arena, 0, cfg.trace.origin, cfg.workers) : null;
  try {
    runWorker(m, arena, cfg, out, tracer ?? opts.events ?? null);
  } finally {
    awaitStartingThreads(arena.i32);
    watch?.disarm();
    // also after an internal error: what was recorded up to it is what shows the way there
    if (tracer !== null) writeTrace(m, opts, cfg, [tracer.dump(false)]);
  }
  return finish(m, arena, out, opts);
}

/** Write the trace file of --trace from what every worker recorded. */
function writeTrace(m: Module, opts: RunOptions, cfg: WorkerConfig, dumps: TraceDump[]): void {
  const { calls, dropped } = readCallLog(cfg.trace!.callLog);
  dumps.sort((a, b) => a.worker - b.worker);
  writeChromeTrace(opts.trace!, { workers: dumps, calls, droppedCalls: dropped, names: traceNames(m), command: opts.command ?? '' });
}

/**
 * Start `workers` Piscina threads. The CLI starts them before it compiles a program that may
 * spawn, so their start-up (about 60 ms each: a V8 isolate and the runtime's modules) overlaps
 * the compiler's work on this thread.
 */
export function startPool(workers: number): Piscina {
  const { Piscina: P } = require('piscina') as typeof import('piscina');
  return new P({
    filename: path.join(__dirname, 'pool-worker.js'),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 1000,
    atomics: 'disabled',
  });
}

/**
 * Run with `opts.workers` workers sharing the arena: this thread is worker 0, and workers
 * 1..N-1 are Piscina threads (from `started`, if given: see startPool). Worker 0 starts on main
 * at once, while the other threads are still starting up.
 */
export async function runModuleParallel(m: Module, opts: RunOptions, started?: Piscina): Promise<number> {
  const workers = Math.max(1, Math.min(MAX_WORKERS, opts.workers ?? 1));
  if (workers === 1) {
    if (started) await started.destroy();
    return runModule(m, opts);
  }
  const out = new Output();
  const { arena, cfg, watch, astb: written } = prepare(m, opts, workers);
  const pool = started ?? startPool(workers - 1);
  const astb = written ?? writeAstb(m);
  try {
    const tasks = Array.from({ length: workers - 1 }, (_, k) => {
      const task: PoolTask = { ...cfg, index: k + 1, sab: arena.sab, cmem: arena.cmem.sab, astb, maxHeapBytes: opts.maxHeapBytes };
      return pool.run(task);
    });
    // let Piscina hand the tasks to its threads (it does so from this thread's event loop)
    // before this thread blocks in its own scheduler loop
    await new Promise((resolve) => setImmediate(resolve));
    for (const t of tasks) t.catch(() => {}); // a thread still starting at the end is stopped
    const tracer = cfg.trace ? new Tracer(arena, 0, cfg.trace.origin, cfg.workers) : null;
    try {
      runWorker(m, arena, cfg, out, tracer);
    } catch (e) {
      // an internal error on this thread: stop the others before reporting it
      abortWorkers(arena);
      await Promise.allSettled(tasks);
      throw e;
    }
    // The program has ended. Wait for the workers that joined to leave the arena; a thread that
    // is still starting up (about 60 ms) is not waited for: it would find the program over.
    const i32 = arena.i32;
    for (let n = Atomics.load(i32, Meta.RUNNING); n > 0; n = Atomics.load(i32, Meta.RUNNING)) Atomics.wait(i32, Meta.RUNNING, n, 20);
    if (Atomics.load(i32, Meta.FAILED_WORKERS) > 0) {
      const results = await Promise.allSettled(tasks);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      if (failed) throw failed.reason;
    }
    if (tracer !== null) {
      // every worker hands back its records when its thread returns (one that was still
      // starting when the program ended returns at once, with none)
      const results = await Promise.allSettled(tasks);
      const dumps = [tracer.dump(false)];
      for (const r of results) {
        const t = r.status === 'fulfilled' ? (r.value as { trace?: TraceDump | null }).trace : null;
        if (t) dumps.push(t);
      }
      writeTrace(m, opts, cfg, dumps);
    }
  } finally {
    awaitStartingThreads(arena.i32);
    watch?.disarm();
    void pool.destroy().catch(() => {});
  }
  return finish(m, arena, out, opts);
}

function mainExit(m: Module, arena: Arena, out: Output, result: number): number {
  switch (m.mainKind) {
    case MainKind.Void: return 0;
    case MainKind.ExitCode: return result & 0xff;
    case MainKind.Result: {
      if (arena.i32[(result >>> 2) + HDR_VARIANT] === 0) return 0; // Result.Ok
      out.stderr(`error: ${arena.readString(arena.f64[Arena.slot0(result)])}\n`);
      return EXIT_RUNTIME_ERROR;
    }
  }
}

const MB = 1048576;

/** A line per worker: tasks spawned and finished there, slices run, and how it found work. */
function workerStats(a: Arena, workers: number): string[] {
  const lines = ['  worker  spawned  finished    slices  stolen (steals)  global takes  sleeps'];
  const pad = (v: number | string, n: number): string => String(v).padStart(n);
  for (let w = 0; w < workers; w++) {
    const c = (k: Stat): number => a.i32[countsLine(w) + k];
    lines.push(`  ${pad(w, 6)}  ${pad(c(Stat.SPAWNED), 7)}  ${pad(c(Stat.FINISHED), 8)}  ${pad(c(Stat.SLICES), 8)}  ` +
      `${pad(c(Stat.STOLEN), 6)} ${pad(`(${c(Stat.STEALS)})`, 8)}  ${pad(c(Stat.GLOBAL_TAKES), 12)}  ${pad(c(Stat.SLEEPS), 6)}`);
  }
  return lines;
}

/** Blocking C calls and the FFI threads that ran them (for a program that made any). */
function ffiStats(a: Arena): string[] {
  const i32 = a.i32;
  if (i32[Meta.FFI_RING] === 0) return [];
  return [
    `  blocking C calls ${Atomics.load(i32, Meta.FFI_CALLS)}`,
    `  C threads        ${Atomics.load(i32, Meta.FFI_PEAK)} at most, ${Atomics.load(i32, Meta.FFI_THREADS)} at exit`,
    `  C thread pool    ${Atomics.load(i32, Meta.FFI_POOL_TOTAL)} calls, ${Atomics.load(i32, Meta.FFI_POOL_PEAK)} at most at once`,
  ];
}

export function formatStats(a: Arena, workers: number): string {
  const g = Collector.stats(a);
  const mb = (n: number): string => `${(n / MB).toFixed(1)} MB`;
  return [
    'asthra stats:',
    `  workers          ${workers}`,
    `  allocated        ${mb(a.bytesAllocated)}`,
    `  collections      ${g.collections}`,
    `  gc pause total   ${g.totalPauseMs.toFixed(2)} ms`,
    `  gc pause max     ${g.maxPauseMs.toFixed(2)} ms`,
    `  peak heap        ${mb(a.peakHeap)}`,
    `  live after gc    ${g.collections ? mb(g.liveAfterLast) : '(no collection)'}`,
    ...ffiStats(a),
    ...workerStats(a, workers),
    '',
  ].join('\n');
}
