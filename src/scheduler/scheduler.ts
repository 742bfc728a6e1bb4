// The scheduler: which fiber runs next, and what happens when one stops.
//
// Glossary (Go's proc.go uses G, M and P; we keep plain words):
//   fiber   a task's state in the arena (fiber.ts); it runs in slices on a worker
//   slice   one call of Interpreter.runSlice, ended by a return, a park (await, lock, sleep),
//           a yield, or an exhausted budget (preemption: SLICE_BUDGET calls and loop back-edges,
//           the way BEAM counts reductions, so a busy loop cannot starve the others)
//   park    a fiber stops as Blocked on one thing (a task handle, a mutex, a timer); whoever
//           completes that thing makes it Runnable again (wake)
//
// Invariants:
//   - A fiber is in exactly one place: running on this worker, on the run queue, in the timer
//     heap, or on the wait list of the one handle or mutex it is blocked on.
//   - Every fiber that is not Done is in `live`; `live` plus the globals and string constants are
//     the collector's roots (Interpreter.scan), so a parked fiber's stack stays reachable.
//   - The program ends when main has returned and `live` is empty. With `live` non-empty, no
//     runnable fiber and no timer, nothing can ever wake a fiber again: that is a deadlock.
//
// This is the one-worker scheduler (workers = 1): run queue and timers are this thread's. The
// M:N version gives each worker its own run queue in the shared arena with stealing, and parks
// idle workers on Atomics.wait; fibers already keep everything they need in the arena for it.
import type { Arena } from '../heap/arena';
import { F, FiberState, WaitKind, fw, newFiber } from './fiber';
import { H, TaskState, handleResultSlot, hw, newHandle } from './task';

export const SLICE_BUDGET = 10_000;
/** A fiber alone (nothing else runnable, no timer) runs on: preempting it would only cost time. */
export const ALONE_BUDGET = 1 << 30;
export const TASK_STACK_SLOTS = 64;
export const TASK_STACK_FRAMES = 16;
export const MAIN_STACK_SLOTS = 4096;
export const MAIN_STACK_FRAMES = 256;

export const enum SliceEnd {
  Done = 0,
  Yield = 1,
  Blocked = 2,
}

/** What the scheduler needs from the interpreter. */
export interface FiberRunner {
  runSlice(fiber: number, budget: number): SliceEnd;
  /** the value the last Done slice returned */
  readonly sliceResult: number;
  /** the function index and arity/locals needed to start a fiber */
  fnInfo(fn: number): { nlocals: number; maxStack: number; name: string; retKind: number };
}

export interface TaskFailure {
  task: number;
  fn: string;
  message: string;
  handle: number;
  trace: string;
}

interface Timer {
  at: number;
  seq: number;
  fiber: number;
}

export class Scheduler {
  readonly live = new Set<number>();
  private runq: number[] = [];
  private head = 0;
  private timers: Timer[] = [];
  private timerSeq = 0;
  private nextId = 0;
  readonly failures: TaskFailure[] = [];
  private rng: number;
  runner!: FiberRunner;
  /** called with each failed task, as it fails */
  onFailure: (f: TaskFailure) => void = () => {};

  constructor(readonly arena: Arena, seed: number | null) {
    this.rng = seed === null ? 0 : (seed >>> 0) || 1;
  }

  /** Create a fiber for fn(args) and its handle; the fiber is queued. Returns the handle. */
  spawn(fn: number, args: ArrayLike<number>, main = false): number {
    const info = this.runner.fnInfo(fn);
    const id = this.nextId++;
    const a = this.arena;
    const handle = newHandle(a, id, fn, info.retKind);
    a.tempRoots.push(handle);
    const fiber = main
      ? newFiber(a, id, fn, info.nlocals, info.maxStack, args, MAIN_STACK_FRAMES, MAIN_STACK_SLOTS)
      : newFiber(a, id, fn, info.nlocals, info.maxStack, args, TASK_STACK_FRAMES, TASK_STACK_SLOTS);
    a.tempRoots.pop();
    a.i32[fw(fiber, F.HANDLE)] = handle;
    this.live.add(fiber);
    this.enqueue(fiber);
    return handle;
  }

  enqueue(fiber: number): void {
    const i32 = this.arena.i32;
    i32[fw(fiber, F.STATE)] = FiberState.Runnable;
    i32[fw(fiber, F.WAIT_KIND)] = WaitKind.None;
    i32[fw(fiber, F.WAIT_REF)] = 0;
    this.runq.push(fiber);
  }

  /** Park the running fiber on a task handle until that task ends. */
  parkOnTask(fiber: number, handle: number): void {
    const i32 = this.arena.i32;
    this.block(fiber, WaitKind.Task, handle);
    i32[fw(fiber, F.NEXT)] = i32[hw(handle, H.WAITERS)];
    i32[hw(handle, H.WAITERS)] = fiber;
  }

  /** Park the running fiber on a mutex (the caller has queued it on the mutex). */
  parkOnMutex(fiber: number, mutex: number): void {
    this.block(fiber, WaitKind.Mutex, mutex);
  }

  /** Park the running fiber for `ms` milliseconds. */
  sleep(fiber: number, ms: number): void {
    this.block(fiber, WaitKind.Timer, 0);
    this.arena.i32[fw(fiber, F.SLEEP_MS)] = ms;
    this.pushTimer({ at: performance.now() + Math.max(0, ms), seq: this.timerSeq++, fiber });
  }

  private block(fiber: number, kind: WaitKind, on: number): void {
    const i32 = this.arena.i32;
    i32[fw(fiber, F.STATE)] = FiberState.Blocked;
    i32[fw(fiber, F.WAIT_KIND)] = kind;
    i32[fw(fiber, F.WAIT_REF)] = on;
  }

  /** The fiber finished (value in its handle, or failed): wake everything awaiting it. */
  private finish(fiber: number, state: TaskState, value: number): void {
    const a = this.arena;
    const handle = a.i32[fw(fiber, F.HANDLE)];
    a.f64[handleResultSlot(handle)] = value;
    a.i32[hw(handle, H.STATE)] = state;
    a.i32[fw(fiber, F.STATE)] = FiberState.Done;
    this.live.delete(fiber);
    for (let w = a.i32[hw(handle, H.WAITERS)]; w !== 0; ) {
      const next = a.i32[fw(w, F.NEXT)];
      a.i32[fw(w, F.NEXT)] = 0;
      this.enqueue(w);
      w = next;
    }
    a.i32[hw(handle, H.WAITERS)] = 0;
  }

  /**
   * Run until every fiber has finished. `onTrap` formats a failed fiber's trap; a trap in
   * `mainFiber` ends the program at once (rethrown), as a panic in Go's main goroutine does.
   */
  run(mainHandle: number, describeTrap: (e: unknown, fiber: number) => { message: string; trace: string } | null, isErr: (value: number, kind: number) => string | null): void {
    const a = this.arena;
    for (;;) {
      this.fireTimers();
      const fiber = this.next();
      if (fiber === 0) {
        if (this.live.size === 0) return;
        if (this.timers.length) {
          sleepThread(this.timers[0].at - performance.now());
          continue;
        }
        throw new Deadlock([...this.live]);
      }
      a.i32[fw(fiber, F.STATE)] = FiberState.Running;
      let end: SliceEnd;
      try {
        const alone = this.runq.length === this.head && this.timers.length === 0;
        end = this.runner.runSlice(fiber, alone ? ALONE_BUDGET : SLICE_BUDGET);
      } catch (e) {
        const handle = a.i32[fw(fiber, F.HANDLE)];
        const d = describeTrap(e, fiber);
        if (d === null || handle === mainHandle) throw e;
        const id = a.i32[fw(fiber, F.ID)];
        const fn = this.runner.fnInfo(a.i32[fw(fiber, F.ENTRY)]).name;
        a.tempRoots.push(handle);
        const msg = a.newString(d.message);
        a.tempRoots.pop();
        a.i32[hw(handle, H.MESSAGE)] = msg;
        const f: TaskFailure = { task: id, fn, message: d.message, handle, trace: d.trace };
        this.failures.push(f);
        this.onFailure(f);
        this.finish(fiber, TaskState.Failed, 0);
        continue;
      }
      if (end === SliceEnd.Done) {
        const handle = a.i32[fw(fiber, F.HANDLE)];
        const value = this.runner.sliceResult;
        const err = handle === mainHandle ? null : isErr(value, a.i32[hw(handle, H.KIND)]);
        if (err !== null) {
          const id = a.i32[fw(fiber, F.ID)];
          const fn = this.runner.fnInfo(a.i32[fw(fiber, F.ENTRY)]).name;
          const f: TaskFailure = { task: id, fn, message: err, handle, trace: '' };
          this.failures.push(f);
          this.onFailure(f);
        }
        this.finish(fiber, TaskState.Done, value);
      } else if (end === SliceEnd.Yield) {
        this.enqueue(fiber);
      }
    }
  }

  /** Next runnable fiber: FIFO, or a seeded random pick (--seed) to explore interleavings. */
  private next(): number {
    const n = this.runq.length - this.head;
    if (n === 0) return 0;
    if (this.rng !== 0 && n > 1) {
      const i = this.head + (this.random() % n);
      const f = this.runq[i];
      this.runq[i] = this.runq[this.head];
      this.runq[this.head] = f;
    }
    const f = this.runq[this.head++];
    if (this.head > 1024 && this.head * 2 > this.runq.length) {
      this.runq = this.runq.slice(this.head);
      this.head = 0;
    }
    return f;
  }

  private random(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0 || 1;
    return this.rng;
  }

  private pushTimer(t: Timer): void {
    const h = this.timers;
    h.push(t);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (before(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private fireTimers(): void {
    const h = this.timers;
    const now = performance.now();
    while (h.length && h[0].at <= now) {
      const t = h[0];
      const last = h.pop()!;
      if (h.length) {
        h[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && before(h[l], h[m])) m = l;
          if (r < h.length && before(h[r], h[m])) m = r;
          if (m === i) break;
          [h[m], h[i]] = [h[i], h[m]];
          i = m;
        }
      }
      this.enqueue(t.fiber);
    }
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Block this thread (no fiber can run until a timer fires). */
function sleepThread(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

/** Every remaining fiber is blocked and nothing can wake one. */
export class Deadlock extends Error {
  constructor(readonly fibers: number[]) {
    super('deadlock: all tasks are blocked');
  }
}

export { TaskState, H, hw, handleResultSlot };
