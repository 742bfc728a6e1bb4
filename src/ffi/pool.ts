// The FFI threads: where blocking C calls run while their tasks park (the design card's
// "isolated workers"; Go's entersyscall/exitsyscall, except that the call moves off the worker
// rather than the worker's run queue moving off a blocked thread). A worker that meets a
// blocking CALL_EXTERN parks the task through the parking door (an External wait, counted in
// Meta.EXTERNAL, so the deadlock check knows the task will come back), pushes the call onto
// the FFI ring and goes on running other tasks. An FFI thread takes the call, reads the
// arguments from the parked task's stack (still pushed: the instruction runs again when the task
// wakes), calls C, writes the result into the task's own waiter record (VALUE, DONE) and hands
// READY to the injection queue, which any worker drains.
//
// A call that finds more calls queued than FFI threads idle goes to the C thread pool (cpool.ts:
// libuv's threads, through koffi's asynchronous calls), so N tasks in N long C calls never wait
// for each other, and an FFI thread idle for IDLE_MS retires. Where there is no C thread pool
// (no crash watch thread to dispatch from: a platform without crash reports), such a call starts
// another FFI thread instead, as many as MAX_FFI_THREADS. The counters (layout.ts Meta.FFI_*) obey one rule that makes the
// two races harmless: a submitter counts its call (FFI_PENDING) before it reads FFI_IDLE, and a
// retiring thread uncounts itself (FFI_IDLE) before it reads FFI_PENDING, so with sequentially
// consistent atomics one of them sees the other.
import * as path from 'path';
import type { ExternProto } from '../bytecode/ctypes';
import type { Arena } from '../heap/arena';
import { MAX_FFI_THREADS, Meta } from '../heap/layout';
import { newInjectRing, pushRecord } from '../scheduler/inject';
import { Crash, UNAVAILABLE } from './crash';

/** An FFI thread with nothing to do for this long retires. */
export const IDLE_MS = 2000;
/** How long an FFI thread that has just made a call looks for the next before it sleeps. */
export const SPIN_MS = 0.1;
/** The record kind of a call on the FFI ring. */
export const CALL_RECORD = 1;

/** What an FFI thread is given when it starts. */
export interface FfiThreadData {
  sab: SharedArrayBuffer;
  externs: ExternProto[];
  dirs: string[];
  /** with --trace: the log the threads record their calls in (trace/calls.ts), and the main
   * thread's time origin */
  trace?: { log: SharedArrayBuffer; origin: number };
  /** the crash table (crash.ts), where the thread says which extern it is in */
  crash?: SharedArrayBuffer;
}

/**
 * Before any worker starts, for a program with blocking externs: make the FFI ring, and start
 * one FFI thread at once, so its start-up (tens of milliseconds) overlaps the program's.
 */
export function setUpFfi(arena: Arena, externs: readonly ExternProto[], dirs: readonly string[], trace?: FfiThreadData['trace'], crash?: SharedArrayBuffer): void {
  if (!externs.some((x) => x.blocking)) return;
  arena.i32[Meta.FFI_RING] = newInjectRing(arena);
  if (crash !== undefined && Atomics.load(new Int32Array(crash), Crash.STATE) !== UNAVAILABLE) {
    // the crash watch thread will serve the C thread pool; libuv sizes its pool once, when it
    // is first used, from this variable (4 threads otherwise)
    arena.i32[Meta.FFI_POOL] = 1;
    if (process.env.UV_THREADPOOL_SIZE === undefined) process.env.UV_THREADPOOL_SIZE = String(MAX_FFI_THREADS);
  }
  calling = arena.i32;
  startThread(arena.i32, { sab: arena.sab, externs: [...externs], dirs: [...dirs], trace, crash });
}

/** the main thread's view of the arena of a program that makes blocking calls (for callsInC) */
let calling: Int32Array | null = null;

/**
 * Are blocking C calls still running (tasks parked in External waits: on an FFI thread or the C
 * thread pool)? Then the process must end without waiting for them (library.ts hardExit): Node's
 * exit waits for every thread to leave its C call, and for libuv's work to finish.
 */
export function callsInC(): boolean {
  return calling !== null && Atomics.load(calling, Meta.EXTERNAL) > 0;
}

/**
 * Queue a blocking call of extern `ext` for the parked `fiber` (park `seq`), its arguments at
 * f64 index `argBase`; start a thread if none is free to take it.
 */
export function submitCall(arena: Arena, data: FfiThreadData, fiber: number, seq: number, ext: number, argBase: number): void {
  const i32 = arena.i32;
  pushRecord(i32, arena.f64, i32[Meta.FFI_RING], CALL_RECORD, fiber, seq, [ext, argBase]);
  Atomics.add(i32, Meta.FFI_CALLS, 1);
  Atomics.add(i32, Meta.FFI_PENDING, 1);
  Atomics.add(i32, Meta.FFI_SEQ, 1);
  Atomics.notify(i32, Meta.FFI_SEQ, 1);
  // pending is read again after idle: a thread looking for work may have taken this call
  // already (and uncounted itself idle), and then no thread is needed
  const idle = Atomics.load(i32, Meta.FFI_IDLE);
  if (Atomics.load(i32, Meta.FFI_PENDING) <= idle) return;
  if (Atomics.load(i32, Meta.FFI_POOL) === 1) {
    Atomics.add(i32, Meta.FFI_POOL_SEQ, 1);
    Atomics.notify(i32, Meta.FFI_POOL_SEQ, 1);
  } else if (Atomics.load(i32, Meta.FFI_THREADS) < MAX_FFI_THREADS) {
    startThread(i32, data);
  }
}

/**
 * Start one FFI thread (counted idle from now: it will look at the ring as soon as it runs).
 * Any thread may start one; it is unref'd, so it never keeps the process alive.
 */
export function startThread(i32: Int32Array, data: FfiThreadData): void {
  Atomics.add(i32, Meta.FFI_IDLE, 1);
  Atomics.add(i32, Meta.FFI_STARTING, 1);
  const n = Atomics.add(i32, Meta.FFI_THREADS, 1) + 1;
  for (let peak = Atomics.load(i32, Meta.FFI_PEAK); n > peak; peak = Atomics.load(i32, Meta.FFI_PEAK)) {
    if (Atomics.compareExchange(i32, Meta.FFI_PEAK, peak, n) === peak) break;
  }
  const { Worker } = require('worker_threads') as typeof import('worker_threads');
  const w = new Worker(path.join(__dirname, 'thread.js'), { workerData: data, stdout: false, stderr: false });
  w.unref();
}

/** How long the program's end waits for FFI threads still starting. */
const START_WAIT_MS = 5000;

/**
 * The program has ended: wait (a moment, normally not at all) for every FFI thread still
 * starting to get through its set-up. The pool may have started a thread for a call another
 * thread then took, and Node aborts the process ("napi_throw") when it tears down a thread in
 * the middle of a native module's set-up (koffi loading the C library, the crash row's
 * alternate stack). Once set up, a thread sees the end (Meta.DONE) and leaves without C calls.
 */
export function awaitStartingThreads(i32: Int32Array): void {
  const deadline = Date.now() + START_WAIT_MS;
  for (let n = Atomics.load(i32, Meta.FFI_STARTING); n > 0 && Date.now() < deadline; n = Atomics.load(i32, Meta.FFI_STARTING)) {
    Atomics.wait(i32, Meta.FFI_STARTING, n, 20);
  }
}

/** An FFI thread is set up (thread.ts): the program's end need not wait for it any more. */
export function threadStarted(i32: Int32Array): void {
  Atomics.sub(i32, Meta.FFI_STARTING, 1);
  Atomics.notify(i32, Meta.FFI_STARTING);
}
