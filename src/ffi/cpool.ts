// The C thread pool: blocking calls that find no FFI thread free run on libuv's thread pool,
// through koffi's asynchronous calls, dispatched from a thread whose event loop is free (the crash
// watch thread, runtime/crashwatch.ts, which has one anyway).
//
// Why: an FFI thread (thread.ts) is a Node worker, about 55 ms of CPU to start here. A pool that
// grew one FFI thread per concurrent call took, for 8 tasks entering long C calls at once, about
// 0.45 s of CPU from the workers just to start threads. A libuv thread is an OS thread, created
// once and sleeping when idle. The FFI thread stays the fast path: a task making one call after
// another finds it spinning (about 10 us a round trip, where the pool's two hand-offs cost tens).
//
// The calls come off the same FFI ring the FFI threads take from (pool.ts submitCall queues
// every call there): the dispatcher takes a call only while more are queued than FFI threads are
// idle (FFI_PENDING > FFI_IDLE), so it never takes one an idle thread was about to take, and a
// call queued before the dispatcher is ready waits for it or for an FFI thread, whichever comes
// first. The submitter wakes the dispatcher through FFI_POOL_SEQ (Atomics.waitAsync here).
//
// Crashes: a libuv thread has no row in the crash table (it runs no code of ours before the
// call), so the crash report finds a call on the pool by what is in flight (inFlight), and by
// the faulting instruction's function where several are.
import { Meta } from '../heap/layout';
import { F, fw } from '../scheduler/fiber';
import { Finish } from '../scheduler/scheduler';
import { InjectKind, inject, newInjected, take } from '../scheduler/inject';
import { callThreadNumber, logCall } from '../trace/calls';
import { OffThreadCalls, RingCall, claimCall } from './offthread';
import type { FfiThreadData } from './pool';

/** What the dispatcher needs: the program's externs, library directories and trace log. */
export type PoolData = Pick<FfiThreadData, 'sab' | 'externs' | 'dirs' | 'trace'>;

/** A call running on the pool: for crash reports. */
export interface PoolCall {
  ext: number;
  fiber: number;
}

const running = new Set<PoolCall>();

/** The calls running on the C thread pool now (the crash report's candidates). */
export function inFlight(): readonly PoolCall[] {
  return [...running];
}

type AsyncFn = ((...args: unknown[]) => unknown) & { async(...args: unknown[]): void };

/**
 * Serve the C thread pool from this thread's event loop until the program ends. `beforeFirst`
 * runs just before the first call is handed to libuv (which starts its threads then, with this
 * thread's signal mask: the watch thread unblocks the crash signals around it).
 */
export function servePool(data: PoolData, beforeFirst: (first: () => void) => void): void {
  const calls = new OffThreadCalls(data.sab, data.externs, data.dirs);
  const rec = newInjected();
  const traceOffset = data.trace ? performance.timeOrigin - data.trace.origin : 0;
  /** --trace: a log row ("thread") per call running at once, reused as calls end */
  const lanes: number[] = [];
  let started = false;

  const run = (fiber: number, seq: number, ext: number, argBase: number): void => {
    const { i32 } = calls.arena;
    const call: PoolCall = { ext, fiber };
    let lane = -1;
    let start = 0;
    if (data.trace) {
      lane = lanes.pop() ?? callThreadNumber(data.trace.log);
      start = performance.now() + traceOffset;
    }
    const done = (): void => {
      running.delete(call);
      if (data.trace) {
        logCall(data.trace.log, { thread: lane, ext, task: Atomics.load(calls.arena.i32, fw(fiber, F.ID)), start, end: performance.now() + traceOffset });
        lanes.push(lane);
      }
      Atomics.sub(calls.arena.i32, Meta.FFI_POOL_CALLS, 1);
      inject(calls.arena.i32, calls.arena.f64, InjectKind.Ready, fiber, seq);
    };
    const n = Atomics.add(i32, Meta.FFI_POOL_CALLS, 1) + 1;
    for (let peak = Atomics.load(i32, Meta.FFI_POOL_PEAK); n > peak; peak = Atomics.load(i32, Meta.FFI_POOL_PEAK)) {
      if (Atomics.compareExchange(i32, Meta.FFI_POOL_PEAK, peak, n) === peak) break;
    }
    Atomics.add(i32, Meta.FFI_POOL_TOTAL, 1);
    running.add(call);
    try {
      const fn = calls.fn(ext) as AsyncFn;
      const args = calls.args(ext, argBase);
      const submit = (): void =>
        fn.async(...args, (err: unknown, r: unknown) => {
          if (err) calls.fail(fiber, ext, err);
          else calls.complete(fiber, ext, r);
          done();
        });
      if (started) submit();
      else {
        started = true;
        beforeFirst(submit);
      }
    } catch (e) {
      calls.fail(fiber, ext, e);
      done();
    }
  };

  const got: RingCall = { fiber: 0, seq: 0, ext: 0, argBase: 0 };
  /** Take calls off the FFI ring while no FFI thread is free for them. */
  const drain = (): void => {
    calls.arena.refresh();
    const { i32, f64 } = calls.arena;
    const ring = i32[Meta.FFI_RING];
    while (Atomics.load(i32, Meta.FFI_PENDING) > Atomics.load(i32, Meta.FFI_IDLE)) {
      take(i32, ring, rec);
      if (rec.kind === 0) return;
      const c = claimCall(i32, f64, rec, got);
      run(c.fiber, c.seq, c.ext, c.argBase);
    }
  };

  const serve = (): void => {
    const i32 = calls.arena.i32;
    if (Atomics.load(i32, Meta.DONE) !== Finish.Running) return;
    const seen = Atomics.load(i32, Meta.FFI_POOL_SEQ);
    drain();
    const w = Atomics.waitAsync(i32, Meta.FFI_POOL_SEQ, seen);
    if (w.async) void w.value.then(serve);
    else setImmediate(serve);
  };
  serve();
}
