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
//   - run queues, as in Go's proc.go: each worker has a local queue (runq.ts), a ring in its own
//     block that only its owner pushes to and any worker may take from, lock-free; the fibers a
//     worker spawns, wakes or sees yield go there. A global queue (a batch list: batchlist.ts,
//     under SCHED_LOCK) takes preempted fibers and a full local queue's oldest as one batch. A
//     worker with nothing local takes a whole batch from the global queue as a private chain,
//     else steals half of another worker's queue: at once if its fibers are worth moving (they
//     run for longer than a move between cores costs; each worker times a sample of its
//     slices), else only once that queue has not moved for a while (runq.ts). Every 61st pick
//     looks at the global queue first, so it is never starved.
//     With one worker, everything goes through the global queue in FIFO order (spawn order is
//     run order) and no lock or atomic instruction is used; with --seed, the global queue is
//     picked at random: reproducible with one worker.
//   - live fibers: no registry. The collector and the deadlock report find them by walking the
//     heap for FIBER blocks that have not finished (the sweep walks the heap anyway), so a spawn
//     and a finish touch no shared list.
//   - dead fibers are reused whole, stack included, from a per-worker cache and a shared batch
//     list (Go's gFree lists), so a spawn usually allocates nothing; a collection empties them
//     all (the blocks are then garbage, as nothing refers to a finished fiber).
//   - handles and mutexes carry their own lock words, so an await cannot miss the wake-up of a
//     task that finishes on another worker, and unrelated waits never contend.
//   - idle workers sleep on Meta.WORK_SEQ; whoever makes work runnable bumps and notifies it only
//     when some worker is idle (a Dekker pair with the idle worker's own check of the queues).
// Invariants:
//   - A fiber is in exactly one place: running on one worker, on one run queue (or a worker's
//     private chain or own batch taken from its queue), in one worker's timer heap, on the wait
//     list of the one handle or mutex it is blocked on, or (finished) in one cache or list of
//     dead fibers. runOne checks the first half of this: a fiber run twice is an internal error.
//   - A worker touches the heap only while counted in Meta.ACTIVE and not parked for STW.
//   - The program ends when every task has finished (main included), or on exit(), a trap in
//     main, or a deadlock: every worker idle, no runnable fiber, no sleeper, some task unfinished.
//     Each worker counts the tasks it spawned and finished on a cache line of its own
//     (Meta.COUNTS0), so spawning on one worker and finishing on another share no counter; an
//     idle worker adds them up (finished first, then spawned: see liveTasks).
// Plain reads of shared words: Atomics.load is a call into a V8 builtin (11 ns here, where a plain
// load of a typed array is one instruction), and a short task passes the scheduler's checks a
// dozen times. Words read only as hints (is anyone idle? is the global queue empty? is a
// stop-the-world requested? has the program ended?) are read plainly, where a stale value
// costs a moment's delay and nothing else: each is read again on the next pass of a loop that
// calls out between reads, and every decision that matters is made again with an atomic
// instruction or under a lock (the queue under SCHED_LOCK, a steal by CAS, WAKING by CAS).
// Words that carry data between threads (queue TAILs, handle states, counts) keep Atomics.
// Rejected design: a Piscina task per fiber (about 150 us a round trip; a switch must cost well
// under 1 us).
import type { Arena } from '../heap/arena';
import { Meta, Tag } from '../heap/layout';
import { lock, unlock } from '../heap/lock';
import { F, FiberState, WaitKind, allocFiber, fw, initFiber, stackSlot0, stackSlots } from './fiber';
import { pushBatch, takeAt, takeBatch, takeOne } from './batchlist';
import { LocalQueues } from './runq';
import { H, M, MUTEX_DESTROYED, MutexResult, TaskState, dequeueWaiter, enqueueWaiter, handleResultSlot, hw, mw, newHandle } from './task';

export const SLICE_BUDGET = 10_000;
/**
 * Budget a spawn spends (a call or a loop back-edge spends 1). A spawn costs about as much as
 * fifty loop iterations, and the tasks it makes wait on this worker's queue until the spawner
 * stops: charged so, a loop that spawns is preempted after about 200 spawns, which fit the local
 * queue (LOCAL_CAP) and the core's caches, instead of 10,000, which overflowed both.
 */
export const SPAWN_COST = 49;
/** Meta.STW_REQ: 0 running, STOPPING while a stop-the-world is requested or under way, then
 * RELEASING until every parked worker has left. */
const STW_STOPPING = 1;
const STW_RELEASING = 2;
// a task's first stack fits a small free-list block (it grows by copying when it must)
export const TASK_STACK_SLOTS = 32;
export const TASK_STACK_FRAMES = 8;
export const MAIN_STACK_SLOTS = 4096;
export const MAIN_STACK_FRAMES = 256;
/** With several workers, dead fibers move between a worker's cache and the shared list in
 * batches of this many (a worker that only spawns reuses what another one finished). A batch's
 * first fiber lists the others in its own slots: at most 2 x TASK_STACK_SLOTS - 1 of them. */
const DEAD_BATCH = 64;
/** Dead fibers a worker keeps for itself before it shares (a spawning worker reuses its own). */
const DEAD_KEEP = 512;
/** The largest stack (in slots) worth keeping with a dead fiber. */
const CACHE_MAX_SLOTS = 512;

/** How long an idle worker sleeps before looking again (it is also woken on new work). */
const IDLE_WAIT_MS = 50;
/** How long a worker with nothing to run looks for work before it sleeps. */
const SPIN_MS = 0.1;
/** Arithmetic steps between two looks at the queues while spinning (a fraction of a microsecond). */
const SPIN_PAUSE = 200;
/** Task ids a worker takes at a time (see newId). */
const ID_BATCH = 16;
/** A worker publishes its finished count at least this often. */
const PUBLISH_EVERY = 16;

export const enum SliceEnd {
  Done = 0,
  /** the budget ran out */
  Preempted = 1,
  Blocked = 2,
  /** Asthra_runtime.yield */
  Yielded = 3,
}

/** int32 index of worker w's line of counts (see Stat). */
export function countsLine(w: number): number {
  return Meta.COUNTS0 + 16 * w;
}

/** Words of a worker's Meta.COUNTS0 line: its task counts, and what it did (for --stats). */
export const enum Stat {
  SPAWNED = 0,
  FINISHED = 1,
  SLICES = 2,
  STOLEN = 3,
  STEALS = 4,
  GLOBAL_TAKES = 5,
  SLEEPS = 6,
}

export const enum Finish {
  Running = 0,
  Completed = 1,
  Exit = 2,
  Deadlock = 3,
}

export interface FnInfo {
  nlocals: number;
  maxStack: number;
  name: string;
  retKind: number;
}

/** What the scheduler needs from the interpreter of its worker. */
export interface FiberRunner {
  runSlice(fiber: number, budget: number): SliceEnd;
  readonly sliceResult: number;
  fnInfo(fn: number): FnInfo;
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
  /** several workers share the arena: take locks and wake idle workers */
  private readonly mt: boolean;
  /** fibers go through per-worker local queues (several workers, no --seed) */
  private readonly local: boolean;
  private readonly workers: number;
  private ticks = 0;
  private sampleTick = 0;
  /** time the next slice: its fiber came from this worker's queue, and it is the 64th */
  private sample = false;
  /** what this worker did, for --stats (written to its Meta.COUNTS0 line when it stops) */
  private slices = 0;
  private stolen = 0;
  private steals = 0;
  private globalTakes = 0;
  private sleeps = 0;
  /** the local run queues (several workers, no --seed), as this worker sees them */
  private readonly rq: LocalQueues | null;
  /** tasks this worker spawned and finished (its Meta.COUNTS0 line says the same) */
  private spawned: number;
  private finished: number;
  private publishedFinished: number;
  private readonly counts: number;
  runner!: FiberRunner;
  reporter!: Reporter;
  /** hooks of a worker sharing the arena with others: publish temporaries, flush output */
  onPark: () => void = () => {};
  onUnpark: () => void = () => {};
  onSliceEnd: () => void = () => {};
  /** give up this worker's own heap state (allocation buffer, dead fibers): when it stops, and
   * when it comes back from idle after a collection it was not stopped for */
  onRelease: () => void = () => {};

  constructor(readonly arena: Arena, seed: number | null, readonly index: number) {
    this.seeded = seed !== null;
    this.rng = seed === null ? 0x9e3779b9 : (seed >>> 0) || 1;
    this.workers = Math.max(1, arena.i32[Meta.WORKERS]);
    this.mt = this.workers > 1;
    this.local = this.mt && !this.seeded;
    this.rq = this.local ? new LocalQueues(arena, index, this.workers, (first, n) => this.overflow(first, n)) : null;
    this.rq?.init();
    this.counts = countsLine(index);
    this.spawned = arena.i32[this.counts + Stat.SPAWNED];
    this.finished = arena.i32[this.counts + Stat.FINISHED];
    this.publishedFinished = this.finished;
  }

  /**
   * Tasks spawned and not finished, summed over the workers' counts. Finished counts are read
   * first: each is published with an atomic store after the task's spawn count was published
   * (a spawned fiber reaches another worker only through a queue's atomic store), so the sum
   * can be too high while tasks run, but reads 0 only once every task has finished.
   */
  private liveTasks(): number {
    if (!this.mt) return this.spawned - this.finished;
    const i32 = this.arena.i32;
    let n = 0;
    for (let w = 0; w < this.workers; w++) n -= Atomics.load(i32, countsLine(w) + Stat.FINISHED);
    for (let w = 0; w < this.workers; w++) n += Atomics.load(i32, countsLine(w) + Stat.SPAWNED);
    return n;
  }

  /** Count a new task (before its fiber is queued, which publishes the count). */
  private countSpawn(): void {
    this.arena.i32[this.counts + Stat.SPAWNED] = ++this.spawned;
  }

  // ------------------------------------------------------------------ fibers and handles
  private infos: (FnInfo | undefined)[] = [];

  private info(fn: number): FnInfo {
    return this.infos[fn] ?? (this.infos[fn] = this.runner.fnInfo(fn));
  }

  /**
   * Start a task running fn with the `argc` arguments at f64 index `start` of the arena (on the
   * spawning fiber's stack, so they stay reachable). Returns its handle, or 0 without one.
   */
  spawn(fn: number, start: number, argc: number, withHandle: boolean): number {
    const a = this.arena;
    const info = this.info(fn);
    const id = this.newId();
    const handle = withHandle ? newHandle(a, id, fn, info.retKind) : 0;
    let fiber = 0;
    const need = info.nlocals + info.maxStack + 8;
    if (this.mt && a.deadFibers.length === 0 && Atomics.load(a.i32, Meta.DEAD_LEN) > 0) this.takeDead();
    for (const cache = a.deadFibers; fiber === 0 && cache.length > 0; ) {
      const f = cache.pop()!;
      if (stackSlots(a, f) >= need) fiber = f;
    }
    if (fiber === 0) {
      a.tempRoots.push(handle);
      fiber = allocFiber(a, TASK_STACK_FRAMES, Math.max(TASK_STACK_SLOTS, need));
      a.tempRoots.pop();
    }
    initFiber(a, fiber, id, fn, handle, info.nlocals, a.f64, start, argc);
    this.countSpawn();
    this.makeRunnable(fiber, false);
    return handle;
  }

  private nextId = 0;
  private idsLeft = 0;

  /**
   * A task id: unique, and in spawn order on one worker. With several workers each takes ids
   * from the shared counter ID_BATCH at a time (an atomic add costs as much as the rest of a
   * spawn), so ids from different workers interleave in blocks.
   */
  private newId(): number {
    const i32 = this.arena.i32;
    if (!this.mt) return i32[Meta.NEXT_ID]++;
    if (this.idsLeft === 0) {
      this.nextId = Atomics.add(i32, Meta.NEXT_ID, ID_BATCH);
      this.idsLeft = ID_BATCH;
    }
    this.idsLeft--;
    return this.nextId++;
  }

  /** Main's fiber (task 0) with its handle, which holds the program's result. */
  spawnMain(fn: number): number {
    const a = this.arena;
    const info = this.info(fn);
    const id = Atomics.add(a.i32, Meta.NEXT_ID, 1);
    const handle = newHandle(a, id, fn, info.retKind);
    a.tempRoots.push(handle);
    const fiber = allocFiber(a, MAIN_STACK_FRAMES, Math.max(MAIN_STACK_SLOTS, info.nlocals + info.maxStack + 8));
    a.tempRoots.pop();
    initFiber(a, fiber, id, fn, handle, info.nlocals, [], 0, 0);
    this.countSpawn();
    this.makeRunnable(fiber, true);
    return handle;
  }

  /**
   * Every fiber that has not finished (for the collector's roots and the deadlock report),
   * found by walking the heap: only while no other worker runs (stop-the-world, or all idle).
   */
  liveFibers(): number[] {
    const i32 = this.arena.i32;
    const out: number[] = [];
    this.arena.forEachBlock(Tag.FIBER, (f) => {
      if (i32[fw(f, F.STATE)] !== FiberState.Done) out.push(f);
    });
    return out;
  }

  /**
   * A fiber becomes runnable: on this worker's local queue (spawned or woken here), or on the
   * global queue (preempted, one worker, or --seed).
   */
  makeRunnable(fiber: number, global: boolean): void {
    const i32 = this.arena.i32;
    i32[fw(fiber, F.STATE)] = FiberState.Runnable;
    i32[fw(fiber, F.WAIT_KIND)] = WaitKind.None;
    i32[fw(fiber, F.WAIT_REF)] = 0;
    if (!this.mt) {
      this.pushGlobal(fiber);
      return;
    }
    if (global || !this.local) {
      lock(i32, Meta.SCHED_LOCK);
      this.pushGlobal(fiber);
      unlock(i32, Meta.SCHED_LOCK);
      this.wake();
      return;
    }
    this.rq!.put(fiber);
    // One fiber waiting here runs when the current one stops (a handoff, an await, a yield):
    // waking another worker for it (a system call) would only move it there. Two or more are
    // work to share, if they are worth moving (runq.ts: WORTH_NS).
    if (i32[Meta.IDLE] > 0 && this.runqLen(this.index) >= 2 && this.rq!.heavy()) {
      this.publish();
      this.wake();
    }
  }

  /** Append one fiber to the global queue (SCHED_LOCK held with several workers). */
  private pushGlobal(fiber: number): void {
    const i32 = this.arena.i32;
    i32[fw(fiber, F.NEXT)] = 0;
    pushBatch(i32, Meta.RUNQ_HEAD, Meta.RUNQ_TAIL, fiber, 1);
    if (this.mt) Atomics.add(i32, Meta.GLOBAL_LEN, 1);
    else i32[Meta.GLOBAL_LEN]++;
  }

  /** Take one fiber from the global queue (SCHED_LOCK held with several workers): FIFO, or seeded random. */
  private popGlobal(): number {
    const i32 = this.arena.i32;
    const n = i32[Meta.GLOBAL_LEN];
    if (n === 0) return 0;
    const f = this.seeded && n > 1
      ? takeAt(i32, Meta.RUNQ_HEAD, Meta.RUNQ_TAIL, this.random() % n)
      : takeOne(i32, Meta.RUNQ_HEAD, Meta.RUNQ_TAIL);
    if (this.mt) Atomics.sub(i32, Meta.GLOBAL_LEN, 1);
    else i32[Meta.GLOBAL_LEN]--;
    return f;
  }

  /** the rest of a batch taken from the global queue, linked through F.NEXT: this worker runs
   * them next (see takeChained) */
  private chain = 0;
  private chainLen = 0;

  /**
   * The next fiber of this worker's chain, or 0. The chain is private: if another worker is
   * idle, half of it moves to the local queue first, where it can be stolen.
   */
  private takeChained(): number {
    const f = this.chain;
    if (f === 0) return 0;
    const i32 = this.arena.i32;
    this.chain = i32[fw(f, F.NEXT)];
    this.chainLen--;
    i32[fw(f, F.NEXT)] = 0;
    if (this.chainLen > 1 && i32[Meta.IDLE] > 0) {
      for (let k = this.chainLen >> 1; k > 0; k--) {
        const g = this.chain;
        this.chain = i32[fw(g, F.NEXT)];
        this.chainLen--;
        this.rq!.put(g);
      }
      this.publish();
      this.wake();
    }
    return f;
  }

  /**
   * With several workers: a fiber from the global queue, 0 when it is empty. With `batch`, the
   * rest of the first batch (a full local queue's overflow) becomes this worker's chain: it is
   * not walked or copied, each fiber is unlinked as it is about to run.
   */
  private globalGet(batch: boolean): number {
    const i32 = this.arena.i32;
    if (i32[Meta.GLOBAL_LEN] === 0) return 0; // a hint: the queue is read under the lock
    lock(i32, Meta.SCHED_LOCK);
    let first: number;
    let n = 1;
    if (batch && this.local) {
      first = takeBatch(i32, Meta.RUNQ_HEAD, Meta.RUNQ_TAIL);
      if (first !== 0) {
        n = i32[fw(first, F.BATCH_LEN)];
        Atomics.sub(i32, Meta.GLOBAL_LEN, n);
      }
    } else {
      first = this.popGlobal();
    }
    unlock(i32, Meta.SCHED_LOCK);
    if (first !== 0) this.globalTakes++;
    if (n > 1) {
      // called only with an empty chain
      this.chain = i32[fw(first, F.NEXT)];
      this.chainLen = n - 1;
      i32[fw(first, F.NEXT)] = 0;
    }
    return first;
  }

  /** The oldest fibers of a full local queue (a chain of `n`) go to the global queue. */
  private overflow(first: number, n: number): void {
    const i32 = this.arena.i32;
    lock(i32, Meta.SCHED_LOCK);
    pushBatch(i32, Meta.RUNQ_HEAD, Meta.RUNQ_TAIL, first, n);
    Atomics.add(i32, Meta.GLOBAL_LEN, n);
    unlock(i32, Meta.SCHED_LOCK);
  }

  /** Make this worker's queued fibers visible to the others. Their spawn counts were written
   * before, so a worker that sees a fiber (or its finish) sees its spawn. */
  private publish(): void {
    if (this.rq !== null) this.rq.publish();
  }

  /** Publish the fibers queued here if they are worth another worker's taking (runq.ts). */
  private publishIfWorth(): void {
    if (this.rq !== null) this.rq.publishIfWorth();
  }

  /** Publish this worker's finished count (see liveTasks). */
  private publishCounts(): void {
    if (this.mt && this.publishedFinished !== this.finished) {
      Atomics.store(this.arena.i32, this.counts + Stat.FINISHED, this.finished);
      this.publishedFinished = this.finished;
    }
  }

  /** Fibers on worker w's local queue (this worker's: with its private chain). */
  private runqLen(w: number): number {
    const rq = this.rq!;
    return w === this.index ? rq.len(w) + this.chainLen : rq.len(w);
  }

  /** The next fiber for this worker: local queue, global queue, or stolen; 0 when none. */
  private next(): number {
    if (!this.mt) {
      const g = this.popGlobal();
      if (g !== 0) this.globalTakes++;
      return g;
    }
    if (!this.local) return this.globalGet(false);
    let f = 0;
    if (++this.ticks % 61 === 0) f = this.globalGet(false);
    if (f === 0) f = this.takeChained();
    if (f === 0) {
      f = this.rq!.get();
      // time one slice in 64 of the fibers from this worker's own queue (see runq.ts WORTH_NS):
      // performance.now() costs about as much as a short slice
      if (f !== 0 && (++this.sampleTick & 63) === 0) this.sample = true;
    }
    if (f === 0) f = this.globalGet(true);
    if (f === 0) {
      f = this.rq!.steal(this.random() % this.workers);
      if (f !== 0) {
        this.steals++;
        this.stolen += this.rq!.lastSteal;
      }
    }
    return f;
  }

  /** Is any fiber waiting to run, on any queue? */
  private anyRunnable(): boolean {
    if (Atomics.load(this.arena.i32, Meta.GLOBAL_LEN) > 0) return true;
    if (this.local) for (let w = 0; w < this.workers; w++) if (this.runqLen(w) > 0) return true;
    return false;
  }

  /**
   * Wake one idle worker, if any and none is already being woken (Go's wakep: a burst of new
   * work costs one notify). The idle worker re-checks the queues after counting itself idle.
   */
  private wake(): void {
    const i32 = this.arena.i32;
    if (i32[Meta.IDLE] > 0 && Atomics.compareExchange(i32, Meta.WAKING, 0, 1) === 0) {
      Atomics.add(i32, Meta.WORK_SEQ, 1);
      // the worker woken clears WAKING when it leaves idle(); if none was asleep (it was just
      // leaving, or about to wait and will see WORK_SEQ changed), nobody else would
      if (Atomics.notify(i32, Meta.WORK_SEQ, 1) === 0) Atomics.store(i32, Meta.WAKING, 0);
    }
  }

  /**
   * Park `fiber` on a task handle unless the task has already ended (then false: the caller
   * reads the result). The check and the park happen under the handle's lock, so no wake-up is
   * lost.
   */
  parkOnTask(fiber: number, handle: number): boolean {
    const i32 = this.arena.i32;
    if (this.mt) lock(i32, hw(handle, H.LOCK));
    const running = i32[hw(handle, H.STATE)] === TaskState.Running;
    if (running) {
      this.block(fiber, WaitKind.Task, handle);
      i32[fw(fiber, F.NEXT)] = i32[hw(handle, H.WAITERS)];
      i32[hw(handle, H.WAITERS)] = fiber;
    }
    if (this.mt) unlock(i32, hw(handle, H.LOCK));
    return running;
  }

  /** An await saw the task's outcome: a failure it saw no longer fails the program. */
  observe(handle: number): void {
    const i32 = this.arena.i32;
    if (!this.mt) {
      if (i32[hw(handle, H.OBSERVED)] === 0) {
        i32[hw(handle, H.OBSERVED)] = 1;
        if (i32[hw(handle, H.FAILED)]) i32[Meta.UNOBSERVED]--;
      }
      return;
    }
    if (Atomics.compareExchange(i32, hw(handle, H.OBSERVED), 0, 1) === 0 && i32[hw(handle, H.FAILED)]) {
      Atomics.sub(i32, Meta.UNOBSERVED, 1);
    }
  }

  /**
   * Lock `mutex` for `fiber`: a result code, or -1 when the fiber parked in the mutex's FIFO.
   * A free mutex is taken with one CAS on OWNER (see task.ts). Otherwise, under the mutex's
   * LOCK, the fiber marks OWNER as having waiters (negative), so the holder's unlock cannot
   * take the fast path and miss it, and parks.
   */
  mutexLock(fiber: number, mutex: number): number {
    const i32 = this.arena.i32;
    const me = i32[fw(fiber, F.ID)] + 1;
    const at = mw(mutex, M.OWNER);
    if (!this.mt) {
      const o = i32[at];
      if (o === 0) {
        i32[at] = me;
        return MutexResult.Ok;
      }
      if (o === MUTEX_DESTROYED) return MutexResult.Destroyed;
      if (o === me || o === -me) return MutexResult.AlreadyHeld;
      i32[at] = -Math.abs(o);
      enqueueWaiter(i32, mutex, fiber);
      this.block(fiber, WaitKind.Mutex, mutex);
      return -1;
    }
    const c = Atomics.compareExchange(i32, at, 0, me);
    if (c === 0) return MutexResult.Ok;
    if (c === MUTEX_DESTROYED) return MutexResult.Destroyed;
    if (c === me || c === -me) return MutexResult.AlreadyHeld;
    lock(i32, mw(mutex, M.LOCK));
    let r = -1;
    for (;;) {
      const o = Atomics.load(i32, at);
      if (o === MUTEX_DESTROYED) r = MutexResult.Destroyed;
      else if (o === 0) {
        // released meanwhile (then nobody is parked: parked fibers keep OWNER negative)
        if (Atomics.compareExchange(i32, at, 0, me) !== 0) continue;
        r = MutexResult.Ok;
      } else if (o === me || o === -me) r = MutexResult.AlreadyHeld;
      else if (o > 0 && Atomics.compareExchange(i32, at, o, -o) !== o) continue;
      break;
    }
    if (r === -1) {
      enqueueWaiter(i32, mutex, fiber);
      this.block(fiber, WaitKind.Mutex, mutex);
    }
    unlock(i32, mw(mutex, M.LOCK));
    return r;
  }

  /**
   * Unlock: with nobody parked, one CAS on OWNER; else the first waiter (FIFO) becomes the owner
   * and runnable, so nobody barges in.
   */
  mutexUnlock(fiber: number, mutex: number): number {
    const i32 = this.arena.i32;
    const me = i32[fw(fiber, F.ID)] + 1;
    const at = mw(mutex, M.OWNER);
    const c = this.mt ? Atomics.compareExchange(i32, at, me, 0) : i32[at];
    if (c === me) {
      if (!this.mt) i32[at] = 0;
      return MutexResult.Ok;
    }
    if (c === MUTEX_DESTROYED) return MutexResult.Destroyed;
    if (c !== -me) return MutexResult.NotOwner;
    // fibers are parked: hand over to the first (only the holder changes a negative OWNER)
    if (this.mt) lock(i32, mw(mutex, M.LOCK));
    const next = dequeueWaiter(i32, mutex);
    const owner = i32[fw(next, F.ID)] + 1;
    const v = i32[mw(mutex, M.HEAD)] === 0 ? owner : -owner;
    if (this.mt) Atomics.store(i32, at, v);
    else i32[at] = v;
    if (this.mt) unlock(i32, mw(mutex, M.LOCK));
    this.makeRunnable(next, false);
    return MutexResult.Ok;
  }

  mutexDestroy(mutex: number): number {
    const i32 = this.arena.i32;
    const at = mw(mutex, M.OWNER);
    const c = this.mt ? Atomics.compareExchange(i32, at, 0, MUTEX_DESTROYED) : i32[at];
    if (c === MUTEX_DESTROYED) return MutexResult.Destroyed;
    if (c !== 0) return MutexResult.Locked;
    if (!this.mt) i32[at] = MUTEX_DESTROYED;
    return MutexResult.Ok;
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

  /**
   * The fiber ended: publish its result on its handle and wake the awaiters, keep the fiber for
   * reuse, and end the program if it was the last.
   */
  private finish(fiber: number, state: TaskState, value: number, failed: boolean): void {
    const a = this.arena;
    const i32 = a.i32;
    const handle = i32[fw(fiber, F.HANDLE)];
    i32[fw(fiber, F.STATE)] = FiberState.Done;
    if (failed) Atomics.add(i32, Meta.UNOBSERVED, 1);
    if (handle !== 0) {
      if (this.mt) lock(i32, hw(handle, H.LOCK));
      a.f64[handleResultSlot(handle)] = value;
      if (failed) i32[hw(handle, H.FAILED)] = 1;
      Atomics.store(i32, hw(handle, H.STATE), state);
      let w = i32[hw(handle, H.WAITERS)];
      i32[hw(handle, H.WAITERS)] = 0;
      if (this.mt) unlock(i32, hw(handle, H.LOCK));
      while (w !== 0) {
        const next = i32[fw(w, F.NEXT)];
        i32[fw(w, F.NEXT)] = 0;
        this.makeRunnable(w, false);
        w = next;
      }
    }
    // nothing refers to a finished fiber (a mutex names its owner by task id), so it is reused
    if (i32[fw(fiber, F.ID)] !== 0 && stackSlots(a, fiber) <= CACHE_MAX_SLOTS) {
      a.deadFibers.push(fiber);
      if (this.mt && a.deadFibers.length >= DEAD_KEEP + DEAD_BATCH) this.giveDead();
    }
    // with several workers, an idle worker sees the end (liveTasks), after publishing its count
    if (this.mt) {
      if (((++this.finished - this.publishedFinished) | 0) >= PUBLISH_EVERY) this.publishCounts();
    } else if (++this.finished === this.spawned) this.end(Finish.Completed, 0);
  }

  /** Move a batch of this worker's dead fibers to the shared list (chained before the lock). */
  private giveDead(): void {
    const a = this.arena;
    const i32 = a.i32;
    // the batch's other fibers are listed in the first one's own (unused) slots, so whoever
    // takes the batch reads one block in order instead of chasing a pointer through each
    const first = a.deadFibers.pop()!;
    const list = stackSlot0(i32, first) * 2;
    for (let k = 0; k < DEAD_BATCH - 1; k++) i32[list + k] = a.deadFibers.pop()!;
    lock(i32, Meta.DEAD_LOCK);
    pushBatch(i32, Meta.DEAD_FIBERS, Meta.DEAD_TAIL, first, DEAD_BATCH);
    Atomics.add(i32, Meta.DEAD_LEN, DEAD_BATCH);
    unlock(i32, Meta.DEAD_LOCK);
  }

  /** Take a batch of dead fibers from the shared list into this worker's cache. */
  private takeDead(): void {
    const a = this.arena;
    const i32 = a.i32;
    lock(i32, Meta.DEAD_LOCK);
    const first = takeBatch(i32, Meta.DEAD_FIBERS, Meta.DEAD_TAIL);
    if (first !== 0) Atomics.sub(i32, Meta.DEAD_LEN, DEAD_BATCH);
    unlock(i32, Meta.DEAD_LOCK);
    if (first === 0) return;
    const list = stackSlot0(i32, first) * 2;
    for (let k = DEAD_BATCH - 2; k >= 0; k--) a.deadFibers.push(i32[list + k]);
    a.deadFibers.push(first);
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
    if (this.arena.i32[Meta.STW_REQ] === STW_STOPPING) this.parkForStw();
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
    this.publishIfWorth();
    const i32 = this.arena.i32;
    return (
      i32[Meta.GLOBAL_LEN] > 0 ||
      (this.local && this.runqLen(this.index) > 0) ||
      this.timersDue() ||
      i32[Meta.DONE] !== Finish.Running
    );
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
        if (i32[Meta.DONE] !== Finish.Running) return;
        this.safepoint();
        this.fireTimers();
        const fiber = this.next() || this.spin();
        if (fiber === 0) {
          this.idle();
          continue;
        }
        if (this.sample) {
          this.sample = false;
          const t0 = performance.now();
          this.runOne(fiber);
          this.rq!.noteCost((performance.now() - t0) * 1e6);
        } else {
          this.runOne(fiber);
        }
        this.publishIfWorth();
      }
    } finally {
      // the spawn count is always current (countSpawn); the finished one is published in batches
      const c = this.counts;
      a.i32[c + Stat.FINISHED] = this.finished;
      a.i32[c + Stat.SLICES] = this.slices;
      a.i32[c + Stat.STOLEN] = this.stolen;
      a.i32[c + Stat.STEALS] = this.steals;
      a.i32[c + Stat.GLOBAL_TAKES] = this.globalTakes;
      a.i32[c + Stat.SLEEPS] = this.sleeps;
      this.onRelease();
      Atomics.sub(a.i32, Meta.ACTIVE, 1);
      Atomics.notify(a.i32, Meta.STW_PARKED);
    }
  }

  private runOne(fiber: number): void {
    const a = this.arena;
    // a fiber taken from a queue twice would run on two workers at once: fail loudly instead
    // (a plain check: an atomic exchange here would cost as much as the rest of a short task)
    if (a.i32[fw(fiber, F.STATE)] !== FiberState.Runnable) {
      throw new Error(`scheduler: task ${a.i32[fw(fiber, F.ID)]} was scheduled twice`);
    }
    a.i32[fw(fiber, F.STATE)] = FiberState.Running;
    this.slices++;
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
      const fn = this.info(i32[fw(fiber, F.ENTRY)]).name;
      if (handle !== 0) {
        // the failing fiber is not finished yet, so it (and its handle) are still roots
        const msg = a.newString(d.message);
        a.i32[hw(handle, H.MESSAGE)] = msg;
      }
      this.reporter.taskFailed(a.i32[fw(fiber, F.ID)], fn, d.message, d.trace);
      this.finish(fiber, TaskState.Failed, 0, true);
      return;
    }
    if (end === SliceEnd.Done) {
      const i32 = a.i32;
      const value = this.runner.sliceResult;
      const id = i32[fw(fiber, F.ID)];
      const info = this.info(i32[fw(fiber, F.ENTRY)]);
      const err = id === 0 || info.retKind !== 1 ? null : this.reporter.errText(value, info.retKind);
      if (err !== null) this.reporter.taskFailed(id, info.name, err, '');
      this.finish(fiber, TaskState.Done, value, err !== null);
    } else if (end === SliceEnd.Preempted) {
      // a preempted fiber goes to the global queue, behind everyone waiting (Go's rule), so a
      // busy task moves between workers and cannot keep one worker's queue waiting
      this.makeRunnable(fiber, true);
    } else if (end === SliceEnd.Yielded) {
      // a yielding fiber goes behind the others of its own worker: a yield is a cheap switch,
      // not a trip through the shared queue (one worker or --seed: the global queue, as ever)
      this.makeRunnable(fiber, false);
    }
  }

  /**
   * Nothing to run here: with other workers, look again for a short while before sleeping (Go's
   * spinning M). Waking a sleeping thread costs tens of microseconds, and a worker that spawns
   * or wakes fibers in a burst keeps the others fed this way. A spinning worker is still active
   * (it stops for a collection) and not idle, so nobody sends it a wake-up.
   */
  /** where the spin pause puts its result, so the pause is not optimised away */
  spinSink = 0;

  private spin(): number {
    if (!this.mt) return 0;
    const i32 = this.arena.i32;
    const until = performance.now() + SPIN_MS;
    for (let k = 1; ; k++) {
      if (this.anyRunnable()) {
        const f = this.next();
        if (f !== 0) return f;
      }
      // look again in a moment: reading other workers' queue words in a tight loop would keep
      // pulling their cache lines away from them
      let x = k;
      for (let j = 0; j < SPIN_PAUSE; j++) x = (x * 1103515245 + 12345) | 0;
      this.spinSink = x;
      if ((k & 15) === 0) {
        if (Atomics.load(i32, Meta.DONE) !== Finish.Running || performance.now() > until || this.timersDue()) return 0;
        this.safepoint();
      }
    }
  }

  /**
   * Nothing to run: wait for work, a timer, the end, or detect a deadlock. An idle worker is not
   * active, so collections run without it; it keeps its allocation buffer and dead fibers
   * unless one did (then the sweep may have freed them), as often it did not.
   */
  private idle(): void {
    const i32 = this.arena.i32;
    const seq = Atomics.load(i32, Meta.WORK_SEQ);
    const collections = Atomics.load(i32, Meta.COLLECTIONS);
    Atomics.sub(i32, Meta.ACTIVE, 1);
    Atomics.notify(i32, Meta.STW_PARKED);
    this.publish();
    this.publishCounts();
    const idle = Atomics.add(i32, Meta.IDLE, 1) + 1;
    const live = this.liveTasks();
    if (live === 0) {
      this.end(Finish.Completed, 0);
    } else if (
      this.timers.length === 0 &&
      idle === Atomics.load(i32, Meta.WORKERS) &&
      !this.anyRunnable() &&
      Atomics.load(i32, Meta.SLEEPERS) === 0 &&
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
    } else if (!this.anyRunnable() && Atomics.load(i32, Meta.DONE) === Finish.Running) {
      const wait = this.timers.length ? Math.max(0, this.timers[0].at - performance.now()) : IDLE_WAIT_MS;
      if (wait > 0) {
        this.sleeps++;
        Atomics.wait(i32, Meta.WORK_SEQ, seq, wait);
      }
    }
    Atomics.sub(i32, Meta.IDLE, 1);
    Atomics.store(i32, Meta.WAKING, 0);
    Atomics.add(i32, Meta.ACTIVE, 1);
    // a collection under way finishes first (and releases this worker's state when it parks);
    // one that ran while this worker was idle leaves its state to be released here
    this.safepoint();
    if (Atomics.load(i32, Meta.COLLECTIONS) !== collections) this.onRelease();
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

