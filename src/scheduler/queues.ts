// Run queues and their policy: where a runnable fiber goes, and which one a worker runs next
// (Go's proc.go: runqput, globrunqget, findRunnable, wakep).
//
//   - Each worker has a local queue (runq.ts), a ring in its own block that only its owner
//     pushes to and any worker may take from, lock-free; the fibers a worker spawns, wakes or
//     sees yield go there.
//   - A global queue (a batch list: batchlist.ts, under SCHED_LOCK) takes preempted fibers and
//     a full local queue's oldest as one batch. A worker with nothing local takes a whole batch
//     from it as a private chain, else steals half of another worker's queue: at once if its
//     fibers are worth moving (they run for longer than a move between cores costs; each worker
//     times a sample of its slices), else only once that queue has not moved for a while
//     (runq.ts). Every 61st pick looks at the global queue first, so it is never starved.
//   - With one worker, everything goes through the global queue in FIFO order (spawn order is
//     run order) and no lock or atomic instruction is used; with --seed, the global queue is
//     picked at random: reproducible with one worker.
//   - Idle workers sleep on Meta.WORK_SEQ; whoever makes work runnable bumps and notifies it
//     only when some worker is idle (a Dekker pair with the idle worker's own check of the
//     queues), and one wake-up at a time is in flight (Meta.WAKING).
// Invariant: a fiber is on at most one queue (or one worker's private chain), and only while
// Runnable; runOne checks that a fiber it takes is Runnable.
import type { Arena } from '../heap/arena';
import { Meta } from '../heap/layout';
import { lock, unlock } from '../heap/lock';
import { pushBatch, takeAt, takeBatch, takeOne } from './batchlist';
import { F, FiberState, WaitKind, fw } from './fiber';
import { LocalQueues } from './runq';
import type { SchedulerEvents } from './events';

export class RunQueues {
  /** several workers share the arena: take locks and wake idle workers */
  readonly mt: boolean;
  /** fibers go through per-worker local queues (several workers, no --seed) */
  readonly local: boolean;
  readonly seeded: boolean;
  readonly workers: number;
  /** the local run queues, as this worker sees them (several workers, no --seed) */
  readonly rq: LocalQueues | null;
  private rng: number;
  private ticks = 0;
  private sampleTick = 0;
  /** time the next slice: its fiber came from this worker's queue, and it is the 64th */
  sample = false;
  /** what this worker did, for --stats */
  stolen = 0;
  steals = 0;
  globalTakes = 0;
  /** the rest of a batch taken from the global queue, linked through F.NEXT: this worker runs
   * them next (see takeChained) */
  private chain = 0;
  private chainLen = 0;
  events: SchedulerEvents | null = null;

  constructor(readonly arena: Arena, seed: number | null, readonly index: number) {
    this.seeded = seed !== null;
    this.rng = seed === null ? 0x9e3779b9 | 0 : (seed | 0) || 1;
    this.workers = Math.max(1, arena.i32[Meta.WORKERS]);
    this.mt = this.workers > 1;
    this.local = this.mt && !this.seeded;
    this.rq = this.local ? new LocalQueues(arena, index, this.workers, (first, n) => this.overflow(first, n)) : null;
    this.rq?.init();
  }

  /**
   * A pseudo-random number below n (xorshift; seeded by --seed, so one worker is reproducible).
   * The state is kept as an int32 and the draw is taken modulo n here: a uint32 above 2^31 is a
   * heap number in V8, and returned as one it would be boxed and divided as a double.
   */
  /** The generator's state, to take back draws that decided nothing (Selector.selectNow). */
  get draws(): number {
    return this.rng;
  }

  set draws(state: number) {
    this.rng = state;
  }

  below(n: number): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x |= 0;
    if (x === 0) x = 1;
    this.rng = x;
    // (x >>> 0) % n in int32 arithmetic: the uint32 is 2 * (x >>> 1) + (x & 1), and a remainder
    // of a uint32 above 2^31 is a double's (fmod, 15 ns: 40% of a 4-arm select's poll)
    return n < 1073741824 ? ((((x >>> 1) % n) << 1) + (x & 1)) % n : (x >>> 0) % n;
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
    if (i32[Meta.IDLE] > 0 && this.len(this.index) >= 2 && this.rq!.heavy()) {
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
      ? takeAt(i32, Meta.RUNQ_HEAD, Meta.RUNQ_TAIL, this.below(n))
      : takeOne(i32, Meta.RUNQ_HEAD, Meta.RUNQ_TAIL);
    if (this.mt) Atomics.sub(i32, Meta.GLOBAL_LEN, 1);
    else i32[Meta.GLOBAL_LEN]--;
    return f;
  }

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
    if (first !== 0) {
      this.globalTakes++;
      if (this.events !== null) this.events.globalTake(n);
    }
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
  publish(): void {
    if (this.rq !== null) this.rq.publish();
  }

  /** Publish the fibers queued here if they are worth another worker's taking (runq.ts). */
  publishIfWorth(): void {
    if (this.rq !== null) this.rq.publishIfWorth();
  }

  /** Fibers on worker w's local queue (this worker's: with its private chain). */
  len(w: number): number {
    const rq = this.rq!;
    return w === this.index ? rq.len(w) + this.chainLen : rq.len(w);
  }

  /** The next fiber for this worker: local queue, global queue, or stolen; 0 when none. */
  next(): number {
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
      const victim = this.below(this.workers);
      f = this.rq!.steal(victim);
      if (f !== 0) {
        this.steals++;
        this.stolen += this.rq!.lastSteal;
        if (this.events !== null) this.events.steal(victim, this.rq!.lastSteal);
      }
    }
    return f;
  }

  /** Is any fiber waiting to run, on any queue? */
  anyRunnable(): boolean {
    if (Atomics.load(this.arena.i32, Meta.GLOBAL_LEN) > 0) return true;
    if (this.local) for (let w = 0; w < this.workers; w++) if (this.len(w) > 0) return true;
    return false;
  }

  /** Anything for this worker to run soon (for a spent budget: end the slice?) */
  waiting(): boolean {
    return this.arena.i32[Meta.GLOBAL_LEN] > 0 || (this.local && this.len(this.index) > 0);
  }

  /**
   * Wake one idle worker, if any and none is already being woken (Go's wakep: a burst of new
   * work costs one notify). The idle worker re-checks the queues after counting itself idle.
   */
  wake(): void {
    const i32 = this.arena.i32;
    if (i32[Meta.IDLE] > 0 && Atomics.compareExchange(i32, Meta.WAKING, 0, 1) === 0) {
      Atomics.add(i32, Meta.WORK_SEQ, 1);
      // the worker woken clears WAKING when it leaves idle(); if none was asleep (it was just
      // leaving, or about to wait and will see WORK_SEQ changed), nobody else would
      if (Atomics.notify(i32, Meta.WORK_SEQ, 1) === 0) Atomics.store(i32, Meta.WAKING, 0);
    }
  }

  /** Note the cost of a sampled slice (see runq.ts WORTH_NS). */
  noteCost(ns: number): void {
    this.rq!.noteCost(ns);
  }
}
