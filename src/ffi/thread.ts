// One FFI thread (pool.ts): takes blocking C calls off the FFI ring, runs them, and wakes their
// tasks through the injection queue. It never allocates in the arena, takes no worker's locks
// and touches no run queue: it reads the arguments from the parked task's stack, writes the
// result into the task's own waiter record, and pushes READY (inject.ts).
import { workerData } from 'worker_threads';
import { Meta } from '../heap/layout';
import { Finish } from '../scheduler/scheduler';
import { InjectKind, inject, newInjected, take } from '../scheduler/inject';
import { F, fw } from '../scheduler/fiber';
import { callThreadNumber, logCall } from '../trace/calls';
import { koffi } from './library';
import { FfiThreadData, IDLE_MS, SPIN_MS, threadStarted } from './pool';
import { CrashGuard, Row } from './crash';
import { OffThreadCalls, RingCall, claimCall } from './offthread';

const data = workerData as FfiThreadData;
const calls = new OffThreadCalls(data.sab, data.externs, data.dirs);
const arena = calls.arena;
let { i32, f64 } = arena;

/** Views over the whole arena (it may have grown since they were made: one worker grows it). */
function views(): void {
  arena.refresh();
  ({ i32, f64 } = arena);
}

/** this thread's row of the crash table: which extern it is in, for which fiber (crash.ts) */
const crash = data.crash ? CrashGuard.forFfiThread(data.crash) : null;

/** With --trace: this thread's clock minus the main thread's (ms), and its number in the log. */
const traceOffset = data.trace ? performance.timeOrigin - data.trace.origin : 0;
let traceThread = -1;

/** Record a call that ran from `start` to now (trace/calls.ts). */
function traceCall(ext: number, task: number, start: number): void {
  const log = data.trace!.log;
  if (traceThread < 0) traceThread = callThreadNumber(log);
  logCall(log, { thread: traceThread, ext, task, start, end: performance.now() + traceOffset });
}

/** Run extern `ext` with the arguments at f64 index argBase; write the result for `fiber`. */
function call(fiber: number, ext: number, argBase: number): void {
  try {
    const fn = calls.fn(ext);
    const args = calls.args(ext, argBase);
    if (crash !== null) {
      crash.row[Row.FIBER] = fiber;
      crash.row[Row.EXT] = ext + 1;
    }
    const r = fn(...args);
    if (crash !== null) crash.row[Row.EXT] = 0;
    calls.complete(fiber, ext, r);
  } catch (e) {
    if (crash !== null) crash.row[Row.EXT] = 0;
    calls.fail(fiber, ext, e);
  }
  views();
}

function main(): void {
  // before the first C call: a crash in C is reported from now on
  crash?.arm();
  koffi();
  threadStarted(i32);
  views();
  const ring = i32[Meta.FFI_RING];
  const rec = newInjected();
  const got: RingCall = { fiber: 0, seq: 0, ext: 0, argBase: 0 };
  let called = false;
  for (;;) {
    if (Atomics.load(i32, Meta.DONE) !== Finish.Running) break;
    const seen = Atomics.load(i32, Meta.FFI_SEQ);
    take(i32, ring, rec);
    // just after a call, look again for a moment before sleeping: a task making C calls one
    // after another sends the next within microseconds, and a futex wake-up costs tens of them.
    // One thread at a time: more would only take the cores from the workers.
    if (rec.kind === 0 && called && Atomics.compareExchange(i32, Meta.FFI_SPINNING, 0, 1) === 0) {
      const until = performance.now() + SPIN_MS;
      for (let k = 1; rec.kind === 0; k++) {
        if (Atomics.load(i32, Meta.FFI_SEQ) !== seen) take(i32, ring, rec);
        if ((k & 63) === 0 && (performance.now() > until || Atomics.load(i32, Meta.DONE) !== Finish.Running)) break;
      }
      Atomics.store(i32, Meta.FFI_SPINNING, 0);
    }
    called = false;
    if (rec.kind === 0) {
      if (Atomics.wait(i32, Meta.FFI_SEQ, seen, IDLE_MS) !== 'timed-out') continue;
      // idle for IDLE_MS: retire, unless a call arrived as this thread gave up (pool.ts)
      Atomics.sub(i32, Meta.FFI_IDLE, 1);
      if (Atomics.load(i32, Meta.FFI_PENDING) > 0 && Atomics.load(i32, Meta.DONE) === Finish.Running) {
        Atomics.add(i32, Meta.FFI_IDLE, 1);
        continue;
      }
      crash?.release();
      Atomics.sub(i32, Meta.FFI_THREADS, 1);
      return;
    }
    const { fiber, seq, ext, argBase } = claimCall(i32, f64, rec, got);
    Atomics.sub(i32, Meta.FFI_IDLE, 1);
    if (data.trace) {
      const task = i32[fw(fiber, F.ID)];
      const start = performance.now() + traceOffset;
      call(fiber, ext, argBase);
      traceCall(ext, task, start);
    } else {
      call(fiber, ext, argBase);
    }
    Atomics.add(i32, Meta.FFI_IDLE, 1);
    inject(i32, f64, InjectKind.Ready, fiber, seq);
    called = true;
  }
  crash?.release();
  Atomics.sub(i32, Meta.FFI_IDLE, 1);
  Atomics.sub(i32, Meta.FFI_THREADS, 1);
}

main();
