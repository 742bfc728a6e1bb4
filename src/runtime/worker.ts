// A worker: the composition of one thread (its interpreter, scheduler loop, collector and
// reporter over the shared arena), and the hooks that tie them together. With --workers 1 the
// main thread runs one worker in-process; with more, each is a Piscina thread running this
// module's default export ONCE for the whole program (a long-lived scheduler loop, never a
// Piscina task per fiber).
import './codecache'; // first, for its effect: V8's saved code for the modules below
import { readAstb } from '../bytecode/astb';
import type { Module } from '../bytecode/module';
import { Arena } from '../heap/arena';
import { Collector } from '../heap/gc';
import { Meta } from '../heap/layout';
import type { SchedulerEvents } from '../scheduler/events';
import { Finish, Scheduler } from '../scheduler/scheduler';
import { ExternCalls } from '../ffi/calls';
import { CrashGuard } from '../ffi/crash';
import { CrashReport } from './crashreport';
import { Interpreter } from '../vm/interpreter';
import { Output } from '../vm/output';
import { EXIT_INTERNAL, WorkerReporter } from './report';
import { Roots } from './roots';
import { Tracer } from './tracing';
import type { TraceDump } from '../trace/recorder';

/** Slots in a worker's temporary-root block (published when it parks for a collection). */
export const TEMP_ROOT_SLOTS = 256;

export interface WorkerConfig {
  index: number;
  workers: number;
  args: string[];
  native?: boolean;
  nativeDepth?: number;
  nativeHot?: number;
  stackSlots?: number;
  gcPause: number;
  gcVerify: boolean;
  gcTorture: boolean;
  seed: number | null;
  strRefs: number[];
  unitRefs: number[];
  globalBlock: number;
  /** directories searched for extern libraries (--lib-path, ASTHRA_LIB_PATH) */
  libDirs: string[];
  /** with --trace: the main thread's time origin and the C calls' log (trace/calls.ts) */
  trace: { origin: number; callLog: SharedArrayBuffer } | null;
  /** for a program that calls C: the crash table (ffi/crash.ts) */
  crash: SharedArrayBuffer | null;
}

/** Run one worker to the end of the program (`events`: state-change hooks, or none). */
export function runWorker(m: Module, arena: Arena, cfg: WorkerConfig, out: Output, events: SchedulerEvents | null = null): void {
  arena.threads = cfg.workers;
  arena.gcPause = cfg.gcPause;
  arena.torture = cfg.gcTorture;
  const crash = m.externs.length > 0 && cfg.crash !== null ? CrashGuard.forWorker(cfg.crash, cfg.index) : null;
  if (crash !== null && cfg.index === 0) {
    // worker 0 is the main thread: its first C call need not wait for the watch thread
    const report = new CrashReport(cfg.crash!, () => ({ module: () => m, sab: arena.sab }));
    crash.onMain = (sig, info, context) => report.onSignal(sig, info, context);
  }
  const vm = new Interpreter(m, arena, out, {
    args: cfg.args, native: cfg.native, nativeDepth: cfg.nativeDepth, nativeHot: cfg.nativeHot, stackSlots: cfg.stackSlots,
    strRefs: Float64Array.from(cfg.strRefs),
    unitRefs: Float64Array.from(cfg.unitRefs),
    crashRow: crash?.row,
  });
  vm.globalBlock = cfg.globalBlock;
  vm.globalBase = Arena.slot0(cfg.globalBlock);
  const sched = new Scheduler(arena, cfg.seed, cfg.index, m.functions);
  sched.runner = vm;
  vm.sched = sched;
  const traceCalls = cfg.trace ? { log: cfg.trace.callLog, origin: cfg.trace.origin } : undefined;
  if (m.externs.length > 0) vm.externs = new ExternCalls(m.externs, arena, cfg.libDirs, sched, traceCalls, crash);
  sched.reporter = new WorkerReporter(m, arena, out, vm, sched);
  sched.events = events;
  const collector = new Collector(arena, m.shapes.map((s) => s.refs), new Roots(m, arena, vm, sched), cfg.gcVerify);
  const collect = events === null
    ? () => collector.collect()
    : () => {
        events.gcStart();
        collector.collect();
        events.gcEnd();
      };
  arena.gcHook = collect;
  const tracer = events instanceof Tracer ? events : null;
  if (cfg.workers > 1) {
    // this worker's temporaries become visible to a collector on another thread while it is
    // parked (the block was made before any worker started: a worker allocates only while active)
    const s0 = Arena.slot0(Atomics.load(arena.i32, Meta.TEMP_ROOTS0 + cfg.index));
    sched.hooks = {
      stwPark() {
        if (tracer !== null) tracer.stoppedStart();
        arena.releaseThreadState();
        const roots = arena.tempRoots;
        if (roots.length > TEMP_ROOT_SLOTS) throw new Error('worker: too many temporary roots to publish');
        for (let k = 0; k < roots.length; k++) arena.f64[s0 + 1 + k] = roots[k];
        arena.f64[s0] = roots.length;
      },
      stwUnpark() {
        arena.f64[s0] = 0;
        if (tracer !== null) tracer.stoppedEnd();
      },
      sliceEnd: () => out.flush(),
      release: () => arena.releaseThreadState(),
    };
    arena.gcHook = tracer === null
      ? () => {
          arena.releaseThreadState();
          sched.stopTheWorld(collect);
        }
      : () => {
          arena.releaseThreadState();
          tracer.stwStart();
          try {
            sched.stopTheWorld(collect);
          } finally {
            tracer.stwEnd();
          }
        };
    arena.safepointHook = () => sched.safepoint();
    sched.door.handoff = () => out.flush();
  }
  Atomics.add(arena.i32, Meta.RUNNING, 1);
  try {
    sched.loop();
    out.flush();
  } finally {
    Atomics.sub(arena.i32, Meta.RUNNING, 1);
    Atomics.notify(arena.i32, Meta.RUNNING);
  }
}

/** An internal error on one worker ends the program for all of them (exit code 70). */
export function abortWorkers(arena: Arena): void {
  const i32 = arena.i32;
  Atomics.add(i32, Meta.FAILED_WORKERS, 1);
  Atomics.compareExchange(i32, Meta.DONE, Finish.Running, Finish.Exit);
  Atomics.store(i32, Meta.EXIT_CODE, EXIT_INTERNAL);
  Atomics.add(i32, Meta.WORK_SEQ, 1);
  Atomics.notify(i32, Meta.WORK_SEQ);
  Atomics.notify(i32, Meta.STW_REQ);
}

export interface PoolTask extends WorkerConfig {
  sab: SharedArrayBuffer;
  /** the C-memory table's buffer (heap/cmem.ts) */
  cmem: SharedArrayBuffer;
  astb: Uint8Array;
  maxHeapBytes: number;
}

/** The Piscina entry point: one call runs one worker until the program ends (with --trace,
 * it hands back what the worker recorded). */
export default function poolWorker(task: PoolTask): { ok: true; trace: TraceDump | null } {
  const m = readAstb(Buffer.from(task.astb));
  const arena = new Arena(0, task.maxHeapBytes, task.sab, task.cmem);
  const out = new Output();
  const tracer = task.trace ? new Tracer(arena, task.index, task.trace.origin, task.workers) : null;
  try {
    runWorker(m, arena, task, out, tracer);
  } catch (e) {
    abortWorkers(arena);
    throw e;
  }
  return { ok: true, trace: tracer === null ? null : tracer.dump(true) };
}
