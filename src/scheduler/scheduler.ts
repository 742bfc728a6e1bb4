// The scheduler: which fiber runs next on which worker, and what happens when one stops.
//
// Glossary (Go's proc.go says G, M and P; we keep plain words):
//   fiber    a task's state in the arena (fiber.ts); it runs in slices
//   worker   a thread running Scheduler.runWorker: N of them (--workers) share one arena
//   slice    one Interpreter.runSlice call, ended by a return, a park (await, lock, sleep), a
//            yield, or a spent budget (preemption after SLICE_BUDGET calls and loop back-edges,
//            as BEAM counts reductions, so a busy loop cannot starve the others)
//   park     a fiber stops as Blocked on one thing (a handle, a mutex, a timer); whoever completes
//            that thing makes it Runnable again
//   STW      stop-the-world: a worker that must collect (or otherwise needs the heap to itself)
//            raises Meta.STW_REQ; every other active worker parks at its next safepoint
//            (allocation, spent budget, scheduling) on Atomics.wait; the requester works; all resume
//
// Shared state lives in the arena's meta words (heap/layout.ts Meta) so every worker sees it:
//   - run queues, as in Go's proc.go: each worker has a local queue (a ring in its own block,
//     behind its own lock) where the fibers it spawns or wakes go; a global queue (fibers
//     linked through F.NEXT, under SCHED_LOCK) takes preempted fibers and a local queue's
//     overflow; a worker with nothing local takes from the global queue, else steals half of
//     another worker's queue. Every 61st pick looks at the global queue first, so it is never
//     starved. RUNQ_LEN counts runnable fibers in all queues. With one worker, everything goes
//     through the global queue in FIFO order (spawn order is run order); with --seed, picked at
//     random: reproducible with one worker.
//   - registry of live fibers: linked through F.REG_NEXT/REG_PREV from Meta.FIBERS, under
//     SCHED_LOCK; with the globals and string constants these are the collector's roots
//   - handles and mutex queues: changed only under SCHED_LOCK, so an await cannot miss the
//     wake-up of a task that finishes on another worker
// Invariants:
//   - A fiber is in exactly one place: running on one worker, on the run queue, in one worker's
//     timer heap, or on the wait list of the one handle or mutex it is blocked on.
//   - A worker touches the heap only while counted in Meta.ACTIVE and not parked for STW.
//   - The program ends when Meta.LIVE reaches 0 (main and every task finished), or on exit(),
//     a trap in main, or a deadlock: every worker idle, no runnable fiber, no sleeper, LIVE > 0.
// Rejected design: a Piscina task per fiber (about 150 us a round trip; a switch must cost well
// under 1 us).
import type { Arena } from '../heap/arena';
import { HEADER_BYTES, Meta } from '../heap/layout';
import { lock, unlock } from '../heap/lock';
import { F, FiberState, WaitKind, fw, newFiber } from './fiber';
import { H, M, MutexResult, TaskState, dequeueWaiter, enqueueWaiter, handleResultSlot, hw, mw, newHandle } from './task';

export const SLICE_BUDGET = 10_000;
/** Meta.STW_REQ: 0 running, STOPPING while a stop-the-world is requested or under way, then
 * RELEASING until every parked worker has left. */
const STW_STOPPING = 1;
const STW_RELEASING = 2;
// a task's first stack fits a small free-list block (it grows by copying when it must)
export const TASK_STACK_SLOTS = 32;
export const TASK_STACK_FRAMES = 8;
export const MAIN_STACK_SLOTS = 4096;
export const MAIN_STACK_FRAMES = 256;
/** Entries in a worker's local run queue. */
export const LOCAL_CAP = 256;
/** int32 words of a local run queue block. */
const enum LQ {
  LOCK = 0,
  HEAD = 1,
  N = 2,
  ENTRIES = 4,
}
export const LOCAL_QUEUE_BYTES = (LQ.ENTRIES + LOCAL_CAP) * 4;

/** How long an idle worker sleeps before looking again (it is also woken on new work). */
const IDLE_WAIT_MS = 50;

export const enum SliceEnd {
  Done = 0,
  Yield = 1,
  Blocked = 2,
}

export const enum Finish {
  Running = 0,
  Completed = 1,
  Exit = 2,
  Deadlock = 3,
}

/** What the scheduler needs from the interpreter of its worker. */
export interface FiberRunner {
  runSlice(fiber: number, budget: number): SliceEnd;
  readonly sliceResult: number;
  fnInfo(fn: number): { nlocals: number; maxStack: number; name: string; retKind: number };
}

/** How a worker reports what happened (stderr lines, already formatted). */
export interface Reporter {
  taskFailed(task: number, fn: string, message: string, trace: string): void;
  /** a trap in main, or out of memory: the program ends with exit code 1 */
  fatal(e: unknown): boolean;
  deadlock(fibers: number[]): void;
  /** `Result.Err(e)` text if `value` is one, else null */
  errText(value: number, kind: number): string | null;
  describeTrap(e: unknown): { message: string; trace: string } | null;
}

interface Timer {
  at: number;
  seq: number;
  fiber: number;
}

export class Scheduler {
  private timers: Timer[] = [];
  private timerSeq = 0;
  private rng: number;
  private readonly seeded: boolean;
  private ticks = 0;
  /** this worker's index and the number of workers (for the local queues) */
  index = 0;
  runner!: FiberRunner;
  reporter!: Reporter;
  /** hooks of a worker sharing the arena with others: publish temporaries, flush output */
  onPark: () => void = () => {};
  onUnpark: () => void = () => {};
  onSliceEnd: () => void = () => {};
  /** called before the worker stops counting as active (it must hold no heap state then) */
  onIdle: () => void = () => {};

  constructor(readonly arena: Arena, seed: number | null) {
    this.seeded = seed !== null;
    this.rng = seed === null ? 0x9e3779b9 : (seed >>> 0) || 1;
  }

  // ------------------------------------------------------------------ fibers and handles
  /** Create a fiber for fn(args) and its handle, and queue it. Returns the handle. */
  private infos: ({ nlocals: number; maxStack: number; name: string; retKind: number } | undefined)[] = [];

  spawn(fn: number, args: ArrayLike<number>, main = false): number {
    const info = this.infos[fn] ?? (this.infos[fn] = this.runner.fnInfo(fn));
    const a = this.arena;
    const id = Atomics.add(a.i32, Meta.NEXT_ID, 1);
    const handle = newHandle(a, id, fn, info.retKind);
    a.tempRoots.push(handle);
    const fiber = main
      ? newFiber(a, id, fn, info.nlocals, info.maxStack, args, MAIN_STACK_FRAMES, MAIN_STACK_SLOTS)
      : newFiber(a, id, fn, info.nlocals, info.maxStack, args, TASK_STACK_FRAMES, TASK_STACK_SLOTS);
    a.tempRoots.pop();
    const i32 = a.i32;
    i32[fw(fiber, F.HANDLE)] = handle;
    lock(i32, Meta.SCHED_LOCK);
    this.register(fiber);
    unlock(i32, Meta.SCHED_LOCK);
    this.makeRunnable(fiber, main);
    return handle;
  }

  private register(fiber: number): void {
    const i32 = this.arena.i32;
    const head = i32[Meta.FIBERS];
    i32[fw(fiber, F.REG_NEXT)] = head;
    i32[fw(fiber, F.REG_PREV)] = 0;
    if (head !== 0) i32[fw(head, F.REG_PREV)] = fiber;
    i32[Meta.FIBERS] = fiber;
    Atomics.add(i32, Meta.LIVE, 1);
  }

  private unregister(fiber: number): void {
    const i32 = this.arena.i32;
    const next = i32[fw(fiber, F.REG_NEXT)];
    const prev = i32[fw(fiber, F.REG_PREV)];
    if (prev === 0) i32[Meta.FIBERS] = next;
    else i32[fw(prev, F.REG_NEXT)] = next;
    if (next !== 0) i32[fw(next, F.REG_PREV)] = prev;
  }

  /** Every live fiber (for the collector's roots and the deadlock report). */
  liveFibers(): number[] {
    const i32 = this.arena.i32;
    const out: number[] = [];
    for (let f = i32[Meta.FIBERS]; f !== 0; f = i32[fw(f, F.REG_NEXT)]) out.push(f);
    return out;
  }

  /**
   * A fiber becomes runnable: on this worker's local queue (spawned or woken here), or on the
   * global queue (preempted, or with --seed). Counted in RUNQ_LEN until a worker takes it.
   */
  makeRunnable(fiber: number, global: boolean): void {
    const i32 = this.arena.i32;
    i32[fw(fiber, F.STATE)] = FiberState.Runnable;
    i32[fw(fiber, F.WAIT_KIND)] = WaitKind.None;
    i32[fw(fiber, F.WAIT_REF)] = 0;
    Atomics.add(i32, Meta.RUNQ_LEN, 1);
    // one worker, or --seed: one FIFO (or seeded) queue, so the order is the documented one
    if (global || this.seeded || Atomics.load(i32, Meta.WORKERS) === 1 || !this.pushLocal(fiber)) {
      lock(i32, Meta.SCHED_LOCK);
      this.pushGlobal(fiber);
      unlock(i32, Meta.SCHED_LOCK);
    }
    this.notifyWork();
  }

  /** Append to the global queue (SCHED_LOCK held). */
  private pushGlobal(fiber: number): void {
    const i32 = this.arena.i32;
    i32[fw(fiber, F.NEXT)] = 0;
    const tail = i32[Meta.RUNQ_TAIL];
    if (tail === 0) i32[Meta.RUNQ_HEAD] = fiber;
    else i32[fw(tail, F.NEXT)] = fiber;
    i32[Meta.RUNQ_TAIL] = fiber;
    Atomics.add(i32, Meta.GLOBAL_LEN, 1);
  }

  /** int32 index of worker w's local queue words: LOCK, HEAD, N, then LOCAL_CAP entries. */
  private localQ(w: number): number {
    return ((this.arena.i32[Meta.LOCALQ0 + w] + HEADER_BYTES) >>> 2);
  }

  /** Push on this worker's local queue; a full queue sends half its fibers to the global queue. */
  private pushLocal(fiber: number): boolean {
    const i32 = this.arena.i32;
    if (i32[Meta.LOCALQ0 + this.index] === 0) return false;
    const q = this.localQ(this.index);
    const spill: number[] = [];
    lock(i32, q + LQ.LOCK);
    let head = i32[q + LQ.HEAD];
    let n = i32[q + LQ.N];
    if (n === LOCAL_CAP) {
      for (let k = 0; k < LOCAL_CAP / 2; k++) {
        spill.push(i32[q + LQ.ENTRIES + head]);
        head = (head + 1) % LOCAL_CAP;
      }
      n -= LOCAL_CAP / 2;
      i32[q + LQ.HEAD] = head;
    }
    i32[q + LQ.ENTRIES + ((head + n) % LOCAL_CAP)] = fiber;
    i32[q + LQ.N] = n + 1;
    unlock(i32, q + LQ.LOCK);
    if (spill.length) {
      lock(i32, Meta.SCHED_LOCK);
      for (const f of spill) this.pushGlobal(f);
      unlock(i32, Meta.SCHED_LOCK);
    }
    return true;
  }

  /** Take up to `max` fibers from the head of worker w's local queue. */
  private takeLocal(w: number, max: number): number[] {
    const i32 = this.arena.i32;
    if (i32[Meta.LOCALQ0 + w] === 0) return [];
    const q = this.localQ(w);
    if (Atomics.load(i32, q + LQ.N) === 0) return [];
    lock(i32, q + LQ.LOCK);
    const n = i32[q + LQ.N];
    const take = Math.min(n, max === -1 ? Math.ceil(n / 2) : max);
    let head = i32[q + LQ.HEAD];
    const out: number[] = [];
    for (let k = 0; k < take; k++) {
      out.push(i32[q + LQ.ENTRIES + head]);
      head = (head + 1) % LOCAL_CAP;
    }
    i32[q + LQ.HEAD] = head;
    i32[q + LQ.N] = n - take;
    unlock(i32, q + LQ.LOCK);
    return out;
  }

  /** The next fiber for this worker: local queue, global queue, or stolen; 0 when none. */
  private next(): number {
    const i32 = this.arena.i32;
    let f = 0;
    this.ticks++;
    const global = (): number => {
      if (Atomics.load(i32, Meta.GLOBAL_LEN) === 0) return 0;
      lock(i32, Meta.SCHED_LOCK);
      const g = this.popGlobal();
      unlock(i32, Meta.SCHED_LOCK);
      return g;
    };
    if (this.ticks % 61 === 0) f = global();
    if (f === 0) f = this.takeLocal(this.index, 1)[0] ?? 0;
    if (f === 0) f = global();
    if (f === 0) f = this.steal();
    if (f !== 0) Atomics.sub(i32, Meta.RUNQ_LEN, 1);
    return f;
  }

  /** Steal half of another worker's local queue: run one, keep the rest locally. */
  private steal(): number {
    const workers = Atomics.load(this.arena.i32, Meta.WORKERS);
    if (workers < 2) return 0;
    const start = this.random() % workers;
    for (let k = 0; k < workers; k++) {
      const w = (start + k) % workers;
      if (w === this.index) continue;
      const got = this.takeLocal(w, -1);
      if (got.length === 0) continue;
      for (let j = 1; j < got.length; j++) {
        if (!this.pushLocal(got[j])) {
          lock(this.arena.i32, Meta.SCHED_LOCK);
          this.pushGlobal(got[j]);
          unlock(this.arena.i32, Meta.SCHED_LOCK);
        }
      }
      return got[0];
    }
    return 0;
  }

  /** Take from the global queue (SCHED_LOCK held): FIFO, or seeded random with --seed. */
  private popGlobal(): number {
    const i32 = this.arena.i32;
    const n = i32[Meta.GLOBAL_LEN];
    if (n === 0) return 0;
    let prev = 0;
    let f = i32[Meta.RUNQ_HEAD];
    if (this.seeded && n > 1) {
      for (let k = this.random() % n; k > 0; k--) {
        prev = f;
        f = i32[fw(f, F.NEXT)];
      }
    }
    const next = i32[fw(f, F.NEXT)];
    if (prev === 0) i32[Meta.RUNQ_HEAD] = next;
    else i32[fw(prev, F.NEXT)] = next;
    if (i32[Meta.RUNQ_TAIL] === f) i32[Meta.RUNQ_TAIL] = prev;
    i32[fw(f, F.NEXT)] = 0;
    Atomics.sub(i32, Meta.GLOBAL_LEN, 1);
    return f;
  }

  private notifyWork(): void {
    const i32 = this.arena.i32;
    Atomics.add(i32, Meta.WORK_SEQ, 1);
    if (Atomics.load(i32, Meta.IDLE) > 0) Atomics.notify(i32, Meta.WORK_SEQ, 1);
  }

  /**
   * Park `fiber` on a task handle unless the task has already ended (then false: the caller
   * reads the result). The check and the park happen under one lock, so no wake-up is lost.
   */
  parkOnTask(fiber: number, handle: number): boolean {
    const i32 = this.arena.i32;
    lock(i32, Meta.SCHED_LOCK);
    if (i32[hw(handle, H.STATE)] !== TaskState.Running) {
      unlock(i32, Meta.SCHED_LOCK);
      return false;
    }
    this.block(fiber, WaitKind.Task, handle);
    i32[fw(fiber, F.NEXT)] = i32[hw(handle, H.WAITERS)];
    i32[hw(handle, H.WAITERS)] = fiber;
    unlock(i32, Meta.SCHED_LOCK);
    return true;
  }

  /** An await saw the task's outcome: a failure it saw no longer fails the program. */
  observe(handle: number): void {
    const i32 = this.arena.i32;
    lock(i32, Meta.SCHED_LOCK);
    if (i32[hw(handle, H.OBSERVED)] === 0) {
      i32[hw(handle, H.OBSERVED)] = 1;
      if (i32[hw(handle, H.FAILED)]) Atomics.sub(i32, Meta.UNOBSERVED, 1);
    }
    unlock(i32, Meta.SCHED_LOCK);
  }

  /** Lock `mutex` for `fiber`: a result code, or -1 when the fiber parked in the mutex's FIFO. */
  mutexLock(fiber: number, mutex: number): number {
    const i32 = this.arena.i32;
    lock(i32, Meta.SCHED_LOCK);
    let r: number = MutexResult.Ok;
    const owner = i32[mw(mutex, M.OWNER)];
    if (i32[mw(mutex, M.DESTROYED)]) r = MutexResult.Destroyed;
    else if (owner === 0) i32[mw(mutex, M.OWNER)] = fiber;
    else if (owner === fiber) r = MutexResult.AlreadyHeld;
    else {
      enqueueWaiter(i32, mutex, fiber);
      this.block(fiber, WaitKind.Mutex, mutex);
      r = -1;
    }
    unlock(i32, Meta.SCHED_LOCK);
    return r;
  }

  /** Unlock: the first waiter (FIFO) becomes the owner and runnable, so nobody barges in. */
  mutexUnlock(fiber: number, mutex: number): number {
    const i32 = this.arena.i32;
    lock(i32, Meta.SCHED_LOCK);
    let r: number = MutexResult.Ok;
    let next = 0;
    if (i32[mw(mutex, M.DESTROYED)]) r = MutexResult.Destroyed;
    else if (i32[mw(mutex, M.OWNER)] !== fiber) r = MutexResult.NotOwner;
    else {
      next = dequeueWaiter(i32, mutex);
      i32[mw(mutex, M.OWNER)] = next;
    }
    unlock(i32, Meta.SCHED_LOCK);
    if (next !== 0) this.makeRunnable(next, false);
    return r;
  }

  mutexDestroy(mutex: number): number {
    const i32 = this.arena.i32;
    lock(i32, Meta.SCHED_LOCK);
    let r: number = MutexResult.Ok;
    if (i32[mw(mutex, M.DESTROYED)]) r = MutexResult.Destroyed;
    else if (i32[mw(mutex, M.OWNER)] !== 0) r = MutexResult.Locked;
    else i32[mw(mutex, M.DESTROYED)] = 1;
    unlock(i32, Meta.SCHED_LOCK);
    return r;
  }

  /** Park the running fiber for `ms` milliseconds on this worker's timers. */
  sleep(fiber: number, ms: number): void {
    this.block(fiber, WaitKind.Timer, 0);
    this.arena.i32[fw(fiber, F.SLEEP_MS)] = ms;
    Atomics.add(this.arena.i32, Meta.SLEEPERS, 1);
    this.pushTimer({ at: performance.now() + Math.max(0, ms), seq: this.timerSeq++, fiber });
  }

  private block(fiber: number, kind: WaitKind, on: number): void {
    const i32 = this.arena.i32;
    i32[fw(fiber, F.STATE)] = FiberState.Blocked;
    i32[fw(fiber, F.WAIT_KIND)] = kind;
    i32[fw(fiber, F.WAIT_REF)] = on;
  }

  /** The fiber ended: publish its result, wake its awaiters, and end the program if it was the last. */
  private finish(fiber: number, state: TaskState, value: number, failed: boolean): void {
    const a = this.arena;
    const i32 = a.i32;
    const handle = i32[fw(fiber, F.HANDLE)];
    lock(i32, Meta.SCHED_LOCK);
    a.f64[handleResultSlot(handle)] = value;
    i32[hw(handle, H.STATE)] = state;
    if (failed) {
      i32[hw(handle, H.FAILED)] = 1;
      Atomics.add(i32, Meta.UNOBSERVED, 1);
    }
    i32[fw(fiber, F.STATE)] = FiberState.Done;
    this.unregister(fiber);
    const woken: number[] = [];
    for (let w = i32[hw(handle, H.WAITERS)]; w !== 0; ) {
      const next = i32[fw(w, F.NEXT)];
      i32[fw(w, F.NEXT)] = 0;
      woken.push(w);
      w = next;
    }
    i32[hw(handle, H.WAITERS)] = 0;
    const left = Atomics.sub(i32, Meta.LIVE, 1) - 1;
    unlock(i32, Meta.SCHED_LOCK);
    for (const w of woken) this.makeRunnable(w, false);
    if (left === 0) this.end(Finish.Completed, 0);
  }

  /** End the program (first reason wins) and wake every worker so it can stop. */
  end(how: Finish, code: number): void {
    const i32 = this.arena.i32;
    if (Atomics.compareExchange(i32, Meta.DONE, Finish.Running, how) === Finish.Running) {
      Atomics.store(i32, Meta.EXIT_CODE, code);
    }
    Atomics.add(i32, Meta.WORK_SEQ, 1);
    Atomics.notify(i32, Meta.WORK_SEQ);
    Atomics.notify(i32, Meta.STW_REQ);
  }

  get done(): boolean {
    return Atomics.load(this.arena.i32, Meta.DONE) !== Finish.Running;
  }

  // ------------------------------------------------------------------ stop-the-world
  /**
   * Run `work` with every other worker parked at a safepoint. If another worker is already
   * stopping the world, park for it instead and return false (the caller retries).
   */
  stopTheWorld(work: () => void): boolean {
    const i32 = this.arena.i32;
    if (Atomics.compareExchange(i32, Meta.STW_REQ, 0, STW_STOPPING) !== 0) {
      this.parkForStw();
      return false;
    }
    for (;;) {
      const parked = Atomics.load(i32, Meta.STW_PARKED);
      const active = Atomics.load(i32, Meta.ACTIVE);
      if (parked >= active - 1) break;
      Atomics.wait(i32, Meta.STW_PARKED, parked, 5);
    }
    try {
      work();
    } finally {
      // release in two steps: every parked worker leaves (REQ = RELEASING) before the next
      // stop can begin (REQ = 0), so no worker is counted as parked while it runs again
      Atomics.store(i32, Meta.STW_REQ, STW_RELEASING);
      Atomics.notify(i32, Meta.STW_REQ);
      for (let p = Atomics.load(i32, Meta.STW_PARKED); p > 0; p = Atomics.load(i32, Meta.STW_PARKED)) {
        Atomics.wait(i32, Meta.STW_PARKED, p, 5);
      }
      Atomics.store(i32, Meta.STW_REQ, 0);
    }
    return true;
  }

  /** A safepoint: if a stop-the-world is requested, wait here until it is over. */
  safepoint(): void {
    if (Atomics.load(this.arena.i32, Meta.STW_REQ) === STW_STOPPING) this.parkForStw();
  }

  private parkForStw(): void {
    const i32 = this.arena.i32;
    this.onPark();
    Atomics.add(i32, Meta.STW_PARKED, 1);
    Atomics.notify(i32, Meta.STW_PARKED);
    while (Atomics.load(i32, Meta.STW_REQ) === STW_STOPPING) Atomics.wait(i32, Meta.STW_REQ, STW_STOPPING, 20);
    Atomics.sub(i32, Meta.STW_PARKED, 1);
    Atomics.notify(i32, Meta.STW_PARKED);
    this.onUnpark();
    this.arena.refreshViews();
  }

  /** Spent budget: true to end the slice (someone else should run, or the program ends). */
  outOfBudget(): boolean {
    this.safepoint();
    const i32 = this.arena.i32;
    return Atomics.load(i32, Meta.RUNQ_LEN) > 0 || this.timersDue() || Atomics.load(i32, Meta.DONE) !== Finish.Running;
  }

  // ------------------------------------------------------------------ the worker loop
  /** This worker's scheduling loop; returns when the program has ended. */
  runWorker(): void {
    const a = this.arena;
    let i32 = a.i32;
    Atomics.add(i32, Meta.ACTIVE, 1);
    try {
      for (;;) {
        i32 = a.i32;
        if (Atomics.load(i32, Meta.DONE) !== Finish.Running) return;
        this.safepoint();
        this.fireTimers();
        const fiber = this.next();
        if (fiber === 0) {
          this.idle();
          continue;
        }
        this.runOne(fiber);
      }
    } finally {
      this.onIdle();
      Atomics.sub(a.i32, Meta.ACTIVE, 1);
      Atomics.notify(a.i32, Meta.STW_PARKED);
    }
  }

  private runOne(fiber: number): void {
    const a = this.arena;
    a.i32[fw(fiber, F.STATE)] = FiberState.Running;
    let end: SliceEnd;
    try {
      end = this.runner.runSlice(fiber, SLICE_BUDGET);
      this.onSliceEnd();
    } catch (e) {
      this.onSliceEnd();
      const i32 = a.i32;
      const handle = i32[fw(fiber, F.HANDLE)];
      const d = this.reporter.describeTrap(e);
      if (d === null || i32[fw(fiber, F.ID)] === 0) {
        // exit(), a trap in main, out of memory, or an internal error: the program ends
        if (this.reporter.fatal(e)) return;
        throw e;
      }
      const fn = this.runner.fnInfo(i32[fw(fiber, F.ENTRY)]).name;
      a.tempRoots.push(handle);
      const msg = a.newString(d.message);
      a.tempRoots.pop();
      a.i32[hw(handle, H.MESSAGE)] = msg;
      this.reporter.taskFailed(a.i32[fw(fiber, F.ID)], fn, d.message, d.trace);
      this.finish(fiber, TaskState.Failed, 0, true);
      return;
    }
    if (end === SliceEnd.Done) {
      const i32 = a.i32;
      const handle = i32[fw(fiber, F.HANDLE)];
      const value = this.runner.sliceResult;
      const id = i32[fw(fiber, F.ID)];
      const err = id === 0 ? null : this.reporter.errText(value, i32[hw(handle, H.KIND)]);
      if (err !== null) this.reporter.taskFailed(id, this.runner.fnInfo(i32[fw(fiber, F.ENTRY)]).name, err, '');
      this.finish(fiber, TaskState.Done, value, err !== null);
    } else if (end === SliceEnd.Yield) {
      // a preempted or yielding fiber goes to the global queue, behind everyone waiting (Go's rule)
      this.makeRunnable(fiber, true);
    }
  }

  /** Nothing to run: wait for work, a timer, the end, or detect a deadlock. */
  private idle(): void {
    const i32 = this.arena.i32;
    const seq = Atomics.load(i32, Meta.WORK_SEQ);
    this.onIdle();
    Atomics.sub(i32, Meta.ACTIVE, 1);
    Atomics.notify(i32, Meta.STW_PARKED);
    const idle = Atomics.add(i32, Meta.IDLE, 1) + 1;
    if (
      this.timers.length === 0 &&
      idle === Atomics.load(i32, Meta.WORKERS) &&
      Atomics.load(i32, Meta.RUNQ_LEN) === 0 &&
      Atomics.load(i32, Meta.SLEEPERS) === 0 &&
      Atomics.load(i32, Meta.LIVE) > 0 &&
      Atomics.load(i32, Meta.STW_REQ) === 0 &&
      Atomics.load(i32, Meta.WORK_SEQ) === seq
    ) {
      // every worker is idle and nothing can wake a fiber: a deadlock (reported once)
      if (Atomics.compareExchange(i32, Meta.DONE, Finish.Running, Finish.Deadlock) === Finish.Running) {
        Atomics.store(i32, Meta.EXIT_CODE, 1);
        Atomics.add(i32, Meta.WORK_SEQ, 1);
        Atomics.notify(i32, Meta.WORK_SEQ);
        this.reporter.deadlock(this.liveFibers());
      }
    } else if (Atomics.load(i32, Meta.RUNQ_LEN) === 0 && Atomics.load(i32, Meta.DONE) === Finish.Running) {
      const wait = this.timers.length ? Math.max(0, this.timers[0].at - performance.now()) : IDLE_WAIT_MS;
      if (wait > 0) Atomics.wait(i32, Meta.WORK_SEQ, seq, wait);
    }
    Atomics.sub(i32, Meta.IDLE, 1);
    Atomics.add(i32, Meta.ACTIVE, 1);
  }

  private random(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0 || 1;
    return this.rng;
  }

  private timersDue(): boolean {
    return this.timers.length > 0 && this.timers[0].at <= performance.now();
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
    if (h.length === 0) return;
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
      Atomics.sub(this.arena.i32, Meta.SLEEPERS, 1);
      this.makeRunnable(t.fiber, false);
    }
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

