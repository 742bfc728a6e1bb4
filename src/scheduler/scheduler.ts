// The scheduler of one worker: its loop, and what happens when a task starts, stops or ends.
// docs/runtime.md tells the whole design; this header keeps what a reader of this file needs.
//
// Glossary (Go's proc.go says G, M and P; we keep plain words):
//   fiber    a task's state in the arena (fiber.ts); it runs in slices
//   worker   a thread running Scheduler.loop: N of them (--workers) share one arena
//   slice    one Interpreter.runSlice call, ended by a return, a park, a yield, or a spent
//            budget (preemption after SLICE_BUDGET calls and loop back-edges, as BEAM counts
//            reductions, so a busy loop cannot starve the others)
//   park     a fiber stops as Blocked on something (park.ts, the one door); whoever claims it
//            makes it Runnable again
//   STW      stop-the-world (stw.ts): the heap to one worker, for a collection
// The pieces, one file each: run queues and their policy (queues.ts, runq.ts, batchlist.ts),
// the parking door (park.ts) and waiter records (waiter.ts), what fibers wait on (handle.ts,
// mutex.ts, timers.ts), work from threads that are not workers (inject.ts), fiber reuse
// (deadfibers.ts), stop-the-world (stw.ts), and the state-change hooks a tracer attaches to
// (events.ts). This file holds the task lifecycle (spawn, finish, the end of the program), the
// worker loop (run, spin, idle, the deadlock check), and cancellation.
//
// Invariants:
//   - A fiber is in exactly one place: running on one worker, on one run queue (or a worker's
//     private chain or own batch taken from its queue), parked (its waiter records on the
//     queues of what it waits on, maybe a timer entry), or (finished) in one cache or list of
//     dead fibers. runOne checks the first half of this: a fiber run twice is an internal error.
//   - A worker touches the heap only while counted in Meta.ACTIVE and not parked for STW.
//   - The program ends when every task has finished (main included), or on exit(), a trap in
//     main, or a deadlock: every worker idle, no runnable fiber, no sleeper, nothing that a
//     thread outside the workers may still inject (Meta.EXTERNAL, the injection ring), some
//     task unfinished. Each worker counts the tasks it spawned and finished on a cache line of
//     its own (Meta.COUNTS0), so spawning on one worker and finishing on another share no
//     counter; an idle worker adds them up (finished first, then spawned: see liveTasks).
//   - Live fibers have no registry: the collector and the deadlock report find them by walking
//     the heap for FIBER blocks that have not finished, so a spawn and a finish touch no shared
//     list.
// Plain reads of shared words: Atomics.load is a call into a V8 builtin (11 ns here, where a plain
// load of a typed array is one instruction), and a short task passes the scheduler's checks a
// dozen times. Words read only as hints (is anyone idle? is the global queue empty? is a
// stop-the-world requested? has the program ended? is anything injected?) are read plainly,
// where a stale value costs a moment's delay and nothing else: each is read again on the next
// pass of a loop that calls out between reads, and every decision that matters is made again
// with an atomic instruction or under a lock (the queue under SCHED_LOCK, a steal by CAS,
// WAKING by CAS, a wake-up by the claim CAS). Words that carry data between threads (queue
// TAILs, handle states, counts) keep Atomics.
// Rejected design: a Piscina task per fiber (about 150 us a round trip; a switch must cost well
// under 1 us).
import type { Arena } from '../heap/arena';
import { Meta, Tag } from '../heap/layout';
import { lock, unlock } from '../heap/lock';
import { F, FiberState, WaitKind, allocFiber, fw, initFiber } from './fiber';
import { pushBatch } from './batchlist';
import { DeadFibers } from './deadfibers';
import { SchedulerEvents, SliceEnd } from './events';
import { H, HANDLE_REPLY_SHIFT, TaskState, completeHandle, hw, newHandle, observe, parkOnTask } from './handle';
import { INJECT_CAP, InjectKind, Injected, injectPending, newInjected, release, take } from './inject';
import { cancelMutexWait, mutexDestroy, mutexLock, mutexUnlock } from './mutex';
import { Parking } from './park';
import { RunQueues } from './queues';
import { StwHooks, safepoint, safepointOnActivate, stopTheWorld } from './stw';
import { Timers } from './timers';
import { Channels, newChannel } from './chan';
import { Selector } from './select';
import { initOwnWaiter } from './waiter';

export const SLICE_BUDGET = 10_000;
/**
 * Budget a spawn spends (a call or a loop back-edge spends 1). A spawn costs about as much as
 * fifty loop iterations, and the tasks it makes wait on this worker's queue until the spawner
 * stops: charged so, a loop that spawns is preempted after about 200 spawns, which fit the local
 * queue (LOCAL_CAP) and the core's caches, instead of 10,000, which overflowed both.
 */
export const SPAWN_COST = 49;
// a task's first stack fits a small free-list block (it grows by copying when it must)
export const TASK_STACK_SLOTS = 32;
export const TASK_STACK_FRAMES = 8;
export const MAIN_STACK_SLOTS = 4096;
export const MAIN_STACK_FRAMES = 256;

/** How long an idle worker sleeps before looking again (it is also woken on new work). */
const IDLE_WAIT_MS = 50;
/** How long a worker with nothing to run looks for work before it sleeps. */
const SPIN_MS = 0.1;
/** Arithmetic steps between two looks at the queues while spinning (a fraction of a microsecond). */
const SPIN_PAUSE = 200;
/** Task ids a worker takes at a time (see newId). */
const ID_BATCH = 16;
/** A worker publishes its finished count at least this often. */
const FINISHED_EVERY = 16;

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

/** What the scheduler needs from the interpreter of its worker. */
export interface FiberRunner {
  runSlice(fiber: number, budget: number): SliceEnd;
  readonly sliceResult: number;
}

/** What the scheduler needs to know of a function (the bytecode's FnProto has these). */
export interface EntryInfo {
  nlocals: number;
  maxStack: number;
  name: string;
  retKind: number;
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

/** What the runtime does for this worker around the scheduler's work (runtime/worker.ts). */
export interface WorkerHooks extends StwHooks {
  /** a slice ended: flush this worker's output */
  sliceEnd(): void;
  /** give up this worker's own heap state (allocation buffer, dead fibers): when it stops, and
   * when it comes back from idle after a collection it was not stopped for */
  release(): void;
}

const NO_HOOKS: WorkerHooks = { stwPark() {}, stwUnpark() {}, sliceEnd() {}, release() {} };

export class Scheduler {
  readonly queues: RunQueues;
  /** the one door through which fibers block and wake */
  readonly door: Parking;
  private readonly timers = new Timers();
  /** channel operations and select, over this worker's door */
  readonly chans: Channels;
  readonly selector: Selector;
  private readonly dead: DeadFibers;
  /** several workers share the arena */
  private readonly mt: boolean;
  /** what this worker did, for --stats (written to its Meta.COUNTS0 line when it stops) */
  private slices = 0;
  private sleeps = 0;
  /** tasks this worker spawned and finished (its Meta.COUNTS0 line says the same) */
  private spawned: number;
  private finished: number;
  private publishedFinished: number;
  private readonly counts: number;
  /** the injection ring (inject.ts), and the record this worker takes from it */
  private readonly ring: number;
  private readonly injected: Injected = newInjected();
  runner!: FiberRunner;
  reporter!: Reporter;
  hooks: WorkerHooks = NO_HOOKS;
  /** the entry functions' facts, by function index */
  private readonly fns: readonly EntryInfo[];
  private eventsHook: SchedulerEvents | null = null;

  constructor(readonly arena: Arena, seed: number | null, readonly index: number, fns: readonly EntryInfo[]) {
    this.fns = fns;
    this.queues = new RunQueues(arena, seed, index);
    this.mt = this.queues.mt;
    this.door = new Parking(arena, this.mt, this.queues);
    this.dead = new DeadFibers(arena, this.mt);
    this.chans = new Channels(this.door);
    this.selector = new Selector(this.door, this.chans, this.queues, (at, f, seq) => this.timers.add(at, f, seq));
    this.counts = countsLine(index);
    this.spawned = arena.i32[this.counts + Stat.SPAWNED];
    this.finished = arena.i32[this.counts + Stat.FINISHED];
    this.publishedFinished = this.finished;
    this.ring = arena.i32[Meta.INJECT];
  }

  /** The state-change hooks (events.ts): null for none, which costs one branch per change. */
  get events(): SchedulerEvents | null {
    return this.eventsHook;
  }

  set events(e: SchedulerEvents | null) {
    this.eventsHook = e;
    this.door.events = e;
    this.queues.events = e;
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
    const workers = this.queues.workers;
    let n = 0;
    for (let w = 0; w < workers; w++) n -= Atomics.load(i32, countsLine(w) + Stat.FINISHED);
    for (let w = 0; w < workers; w++) n += Atomics.load(i32, countsLine(w) + Stat.SPAWNED);
    return n;
  }

  /** Count a new task (before its fiber is queued, which publishes the count). */
  private countSpawn(): void {
    this.arena.i32[this.counts + Stat.SPAWNED] = ++this.spawned;
  }

  // ------------------------------------------------------------------ the task lifecycle
  /**
   * Start a task running fn with the `argc` arguments at f64 index `start` of the arena (on the
   * spawning fiber's stack, so they stay reachable). Returns its handle, or 0 without one.
   */
  spawn(fn: number, start: number, argc: number, withHandle: boolean, reply = 0): number {
    if (this.mt) this.door.handoff();
    const a = this.arena;
    const info = this.fns[fn];
    const id = this.newId();
    const handle = withHandle ? newHandle(a, id, fn, info.retKind) : 0;
    // a call from C waits for this task's result in a reply slot (src/ffi/callbacks.ts)
    if (reply !== 0) a.i32[hw(handle, H.FLAGS)] |= reply << HANDLE_REPLY_SHIFT;
    const need = info.nlocals + info.maxStack + 8;
    let fiber = this.dead.take(need);
    if (fiber === 0) {
      a.tempRoots.push(handle);
      fiber = this.newFiber(TASK_STACK_FRAMES, Math.max(TASK_STACK_SLOTS, need));
      a.tempRoots.pop();
    }
    initFiber(a, fiber, id, fn, handle, info.nlocals, a.f64, start, argc);
    if (handle !== 0) a.i32[hw(handle, H.FIBER)] = fiber;
    this.countSpawn();
    if (this.eventsHook !== null) this.eventsHook.spawn(id, fn);
    this.queues.makeRunnable(fiber, false);
    return handle;
  }

  private newFiber(frames: number, slots: number): number {
    return newFiber(this.arena, frames, slots);
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

  /**
   * Every fiber that has not finished (for the collector's roots and the deadlock report): from
   * the arena's list with one worker, else by walking the heap, only while no other worker runs
   * (stop-the-world, or all idle).
   */
  liveFibers(): number[] {
    const i32 = this.arena.i32;
    const out: number[] = [];
    if (!this.mt) {
      // one worker: the arena lists its fibers (Arena.fibers), in no particular order
      for (const f of this.arena.fibers) if (i32[fw(f, F.STATE)] !== FiberState.Done) out.push(f);
      return out;
    }
    this.arena.forEachBlock(Tag.FIBER, (f) => {
      if (i32[fw(f, F.STATE)] !== FiberState.Done) out.push(f);
    });
    return out;
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
    if (handle !== 0) completeHandle(this.door, handle, state, value, failed);
    // nothing refers to a finished fiber (see deadfibers.ts), so it is reused; main never is
    if (i32[fw(fiber, F.ID)] !== 0) this.dead.give(fiber);
    // with several workers, an idle worker sees the end (liveTasks), after publishing its count
    if (this.mt) {
      if (((++this.finished - this.publishedFinished) | 0) >= FINISHED_EVERY) this.publishCounts();
    } else if (++this.finished === this.spawned) this.end(Finish.Completed, 0);
  }

  /** Publish this worker's finished count (see liveTasks). */
  private publishCounts(): void {
    if (this.mt && this.publishedFinished !== this.finished) {
      Atomics.store(this.arena.i32, this.counts + Stat.FINISHED, this.finished);
      this.publishedFinished = this.finished;
    }
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
    // FFI threads waiting for calls, and the C thread pool's dispatcher (src/ffi), see the end too
    Atomics.add(i32, Meta.FFI_SEQ, 1);
    Atomics.notify(i32, Meta.FFI_SEQ);
    Atomics.add(i32, Meta.FFI_POOL_SEQ, 1);
    Atomics.notify(i32, Meta.FFI_POOL_SEQ);
  }

  get done(): boolean {
    return Atomics.load(this.arena.i32, Meta.DONE) !== Finish.Running;
  }

  // ------------------------------------------------------------------ what fibers wait on
  /** `await`: park on the task's handle unless it has ended (false: read the result now). */
  parkOnTask(fiber: number, handle: number): boolean {
    return parkOnTask(this.door, fiber, handle);
  }

  /** An await saw the task's outcome: a failure it saw no longer fails the program. */
  observe(handle: number): void {
    observe(this.door, handle);
  }

  /** mutex_lock: a result code, or -1 when parked (the result slot `slot` then says Ok). */
  mutexLock(fiber: number, mutex: number, slot: number): number {
    const r = mutexLock(this.door, fiber, mutex, slot);
    if (r === -1 && this.cancelledWhileParking(fiber)) {
      // a cancel came as it parked and found it not parked yet: take the wait back ourselves
      cancelMutexWait(this.door, fiber, mutex);
      return this.arena.f64[slot];
    }
    return r;
  }

  mutexUnlock(fiber: number, mutex: number): number {
    return mutexUnlock(this.door, fiber, mutex);
  }

  mutexDestroy(mutex: number): number {
    return mutexDestroy(this.door, mutex);
  }

  /** Park the running fiber for `ms` milliseconds on this worker's timers (false: it was
   * cancelled, so the sleep returns at once). */
  sleep(fiber: number, ms: number): boolean {
    if (this.door.cancelled(fiber)) return false;
    const seq = this.door.park(fiber, WaitKind.Timer, 0, true);
    this.timers.add(performance.now() + Math.max(0, ms), fiber, seq);
    return !(this.cancelledWhileParking(fiber));
  }

  /** A new channel (a capacity the interpreter has checked: 0 to MAX_CHAN_CAP). */
  chanNew(cap: number, kind: number, fn: number, pc: number): number {
    return newChannel(this.arena, cap, kind, fn, pc);
  }

  /** CHAN_SEND in one step (the interpreter runs the two halves itself): a SendStatus, or -1
   * when parked (the instruction runs again when woken). */
  chanSend(fiber: number, ch: number, slot: number): number {
    const r = this.chans.sendNow(fiber, ch, this.arena.f64[slot]);
    return r >= 0 ? r : this.chanSendPark(fiber, ch, slot);
  }

  /** CHAN_RECV in one step: true with chans.value and chans.ok, or false when parked. */
  chanRecv(fiber: number, ch: number): boolean {
    return this.chans.recvNow(fiber, ch) || this.chanRecvPark(fiber, ch);
  }

  /**
   * CHAN_SEND, once chans.sendNow said it must wait (the channel locked; the interpreter has
   * saved the fiber's registers): park on the channel. -1 when parked (the fiber runs the
   * send again when woken), or a SendStatus if a cancel crossed the park.
   */
  chanSendPark(fiber: number, ch: number, slot: number): number {
    this.chans.parkSend(fiber, ch, slot);
    if (this.cancelledWhileParking(fiber)) {
      this.chans.cancelWait(fiber, ch);
      return this.chans.sendNow(fiber, ch, this.arena.f64[slot]);
    }
    return -1;
  }

  /** CHAN_RECV, once chans.recvNow said it must wait: park (false), or true with chans.value
   * and chans.ok if a cancel crossed the park. */
  chanRecvPark(fiber: number, ch: number): boolean {
    this.chans.parkRecv(fiber, ch);
    if (this.cancelledWhileParking(fiber)) {
      this.chans.cancelWait(fiber, ch);
      return this.chans.recvNow(fiber, ch);
    }
    return false;
  }

  /** SELECT: true with the selector's result, or false when parked. */
  select(fiber: number, arms: string, base: number): boolean {
    if (this.selector.select(fiber, arms, base)) return true;
    // a cancel that crossed the park: run the select again (it finds itself cancelled)
    return this.cancelledWhileParking(fiber) && this.selector.select(fiber, arms, base);
  }

  /**
   * Park the running fiber until a thread that is not a worker injects READY for it (inject.ts):
   * returns the park's sequence number, which that thread must name. Counted in
   * Meta.EXTERNAL until the READY record is drained.
   */
  parkExternal(fiber: number, ref = 0): number {
    Atomics.add(this.arena.i32, Meta.EXTERNAL, 1);
    return this.door.park(fiber, WaitKind.External, ref);
  }

  /**
   * The parker's half of the cancellation handshake: a canceller stores F.CANCEL and then reads
   * F.WAKE; a parker stores F.WAKE (park) and then reads F.CANCEL. One of them sees the other.
   * If the parker sees the cancel, it claims its own park back (true): it is not parked. With
   * one worker, no cancel can cross a park (the parker checked F.CANCEL first).
   */
  private cancelledWhileParking(fiber: number): boolean {
    if (!this.mt) return false;
    const i32 = this.arena.i32;
    if (Atomics.load(i32, fw(fiber, F.CANCEL)) === 0) return false;
    const seq = i32[fw(fiber, F.PARK_SEQ)];
    if (!this.door.claimPark(fiber, seq)) return false; // the canceller claimed it: it wakes it
    const st = fw(fiber, F.STATE);
    i32[st] = FiberState.Running;
    i32[fw(fiber, F.WAIT_KIND)] = WaitKind.None;
    i32[fw(fiber, F.WAIT_REF)] = 0;
    return true;
  }

  /**
   * Cancel the task of `handle` (cooperative: h.cancel()). It is marked, and if it is parked in
   * a wait that a cancellation ends (a mutex, a sleep, a channel, a select), it is woken with
   * that wait's cancelled result. A finished task is left alone; an await keeps waiting.
   */
  cancel(handle: number): void {
    const i32 = this.arena.i32;
    const mt = this.mt;
    if (mt) lock(i32, hw(handle, H.LOCK));
    // while the task runs and the lock is held, FIBER is its fiber (handle.ts)
    const fiber = i32[hw(handle, H.STATE)] === TaskState.Running ? i32[hw(handle, H.FIBER)] : 0;
    let kind: number = WaitKind.None;
    let ref = 0;
    let won = false;
    if (fiber !== 0) {
      Atomics.store(i32, fw(fiber, F.CANCEL), 1);
      const seq = Atomics.load(i32, fw(fiber, F.WAKE));
      if (seq !== 0) {
        kind = i32[fw(fiber, F.WAIT_KIND)];
        ref = i32[fw(fiber, F.WAIT_REF)];
        won = cancellable(kind) && this.door.claimPark(fiber, seq);
      }
    }
    if (mt) unlock(i32, hw(handle, H.LOCK));
    if (!won) return;
    // the fiber is ours: nobody else can wake it, so it can neither run nor be reused
    if (kind === WaitKind.Mutex) cancelMutexWait(this.door, fiber, ref);
    else if (kind === WaitKind.Recv || kind === WaitKind.Send) this.chans.cancelWait(fiber, ref);
    // a select takes its records back itself when it runs again (select.ts)
    this.door.ready(fiber);
  }

  // ------------------------------------------------------------------ stop-the-world
  stopTheWorld(work: () => void): boolean {
    return stopTheWorld(this.arena, this.hooks, work);
  }

  safepoint(): void {
    safepoint(this.arena, this.hooks);
  }

  /** Spent budget: true to end the slice (someone else should run, or the program ends). */
  outOfBudget(): boolean {
    this.safepoint();
    return this.wantsYield();
  }

  /** outOfBudget without its safepoint (native code's: its frames must spill before a park). */
  wantsYield(): boolean {
    this.queues.publishIfWorth();
    return (
      this.queues.waiting() ||
      (this.timers.length > 0 && this.timers.due(performance.now())) ||
      this.arena.i32[Meta.DONE] !== Finish.Running
    );
  }

  // ------------------------------------------------------------------ the worker loop
  /** This worker's scheduling loop; returns when the program has ended. */
  loop(): void {
    const a = this.arena;
    const q = this.queues;
    Atomics.add(a.i32, Meta.ACTIVE, 1);
    safepointOnActivate(a, this.hooks);
    try {
      for (;;) {
        const i32 = a.i32;
        if (i32[Meta.DONE] !== Finish.Running) return;
        this.safepoint();
        this.fireTimers();
        if (injectPending(i32, this.ring)) this.drainInjected();
        let fiber = q.next();
        if (fiber === 0) {
          if (this.eventsHook !== null) this.eventsHook.idle();
          fiber = this.spin();
        }
        if (fiber === 0) {
          // the spin saw an injected record: take it at the top of the loop, without sleeping
          if (!injectPending(i32, this.ring)) this.idle();
          continue;
        }
        if (q.sample) {
          q.sample = false;
          const t0 = performance.now();
          this.runOne(fiber);
          q.noteCost((performance.now() - t0) * 1e6);
        } else {
          this.runOne(fiber);
        }
        q.publishIfWorth();
      }
    } finally {
      // the spawn count is always current (countSpawn); the finished one is published in batches
      const c = this.counts;
      a.i32[c + Stat.FINISHED] = this.finished;
      a.i32[c + Stat.SLICES] = this.slices;
      a.i32[c + Stat.STOLEN] = q.stolen;
      a.i32[c + Stat.STEALS] = q.steals;
      a.i32[c + Stat.GLOBAL_TAKES] = q.globalTakes;
      a.i32[c + Stat.SLEEPS] = this.sleeps;
      this.hooks.release();
      Atomics.sub(a.i32, Meta.ACTIVE, 1);
      Atomics.notify(a.i32, Meta.STW_PARKED);
    }
  }

  private runOne(fiber: number): void {
    const a = this.arena;
    const ev = this.eventsHook;
    // a fiber taken from a queue twice would run on two workers at once: fail loudly instead
    // (a plain check: an atomic exchange here would cost as much as the rest of a short task)
    if (a.i32[fw(fiber, F.STATE)] !== FiberState.Runnable) {
      throw new Error(`scheduler: task ${a.i32[fw(fiber, F.ID)]} was scheduled twice`);
    }
    a.i32[fw(fiber, F.STATE)] = FiberState.Running;
    this.slices++;
    if (ev !== null) ev.sliceStart(a.i32[fw(fiber, F.ID)], fiber);
    let end: SliceEnd;
    try {
      end = this.runner.runSlice(fiber, SLICE_BUDGET);
      this.hooks.sliceEnd();
    } catch (e) {
      this.hooks.sliceEnd();
      if (ev !== null) ev.sliceEnd(a.i32[fw(fiber, F.ID)], SliceEnd.Failed, fiber);
      this.failed(fiber, e);
      return;
    }
    if (ev !== null) ev.sliceEnd(a.i32[fw(fiber, F.ID)], end, fiber);
    if (end === SliceEnd.Done) {
      const i32 = a.i32;
      const value = this.runner.sliceResult;
      const id = i32[fw(fiber, F.ID)];
      const info = this.fns[i32[fw(fiber, F.ENTRY)]];
      const err = id === 0 || info.retKind !== 1 ? null : this.reporter.errText(value, info.retKind);
      if (err !== null) this.reporter.taskFailed(id, info.name, err, '');
      this.finish(fiber, TaskState.Done, value, err !== null);
    } else if (end === SliceEnd.Preempted) {
      // a preempted fiber goes to the global queue, behind everyone waiting (Go's rule), so a
      // busy task moves between workers and cannot keep one worker's queue waiting
      this.queues.makeRunnable(fiber, true);
    } else if (end === SliceEnd.Yielded) {
      // a yielding fiber goes behind the others of its own worker: a yield is a cheap switch,
      // not a trip through the shared queue (one worker or --seed: the global queue, as ever)
      this.queues.makeRunnable(fiber, false);
    }
  }

  /** A slice threw: a task's trap fails that task; anything else ends the program. */
  private failed(fiber: number, e: unknown): void {
    const a = this.arena;
    const i32 = a.i32;
    const handle = i32[fw(fiber, F.HANDLE)];
    const d = this.reporter.describeTrap(e);
    if (d === null || i32[fw(fiber, F.ID)] === 0) {
      // exit(), a trap in main, out of memory, or an internal error: the program ends
      if (this.reporter.fatal(e)) return;
      throw e;
    }
    const fn = this.fns[i32[fw(fiber, F.ENTRY)]].name;
    if (handle !== 0) {
      // the failing fiber is not finished yet, so it (and its handle) are still roots
      const msg = a.newString(d.message);
      a.i32[hw(handle, H.MESSAGE)] = msg;
    }
    this.reporter.taskFailed(a.i32[fw(fiber, F.ID)], fn, d.message, d.trace);
    this.finish(fiber, TaskState.Failed, 0, true);
  }

  /** Timers due now wake their fibers, unless something else woke them first (timers.ts). */
  private fireTimers(): void {
    if (this.timers.length === 0) return;
    this.timers.fire(performance.now(), this.timerFired);
  }

  private readonly timerFired = (fiber: number, seq: number): void => {
    if (this.door.claimPark(fiber, seq)) this.door.ready(fiber);
  };

  /**
   * Turn what threads outside the workers injected into scheduler work (inject.ts): at most one
   * ring's worth at a time. A C thread calling back as fast as it can refills the ring while
   * this drains it, and an unbounded drain would then never return to run anything (the task
   * the flood started behind would starve, like main waiting for its C call's result).
   */
  private drainInjected(): void {
    const i32 = this.arena.i32;
    const r = this.injected;
    let n = 0;
    for (take(i32, this.ring, r); r.kind !== 0; take(this.arena.i32, this.ring, r)) {
      if (r.kind === InjectKind.Ready) {
        const fiber = r.target;
        const seq = r.arg;
        release(this.arena.i32, r);
        Atomics.sub(this.arena.i32, Meta.EXTERNAL, 1);
        if (this.door.claimPark(fiber, seq)) this.door.ready(fiber);
      } else if (r.kind === InjectKind.Spawn) {
        this.spawn(r.target, r.args, r.arg, false);
        release(this.arena.i32, r);
      } else {
        const reply = r.arg >>> 8;
        this.spawn(r.target, r.args, r.arg & 0xff, reply !== 0, reply);
        release(this.arena.i32, r);
      }
      if (++n === INJECT_CAP) break;
    }
  }

  /**
   * Nothing to run here: with other workers, or with a C call in flight, look again for a short
   * while before sleeping (Go's spinning M). Waking a sleeping thread costs tens of microseconds,
   * and a worker that spawns or wakes fibers in a burst keeps the others fed this way. A spinning worker is still active
   * (it stops for a collection) and not idle, so nobody sends it a wake-up.
   */
  /** where the spin pause puts its result, so the pause is not optimised away */
  spinSink = 0;

  private spin(): number {
    const i32 = this.arena.i32;
    // one worker alone spins only while a C call (or another external wait) is in flight: its
    // result comes back through the injection queue within microseconds, and a futex wake-up
    // costs tens of them (the blocking-call round trip)
    if (!this.mt && Atomics.load(i32, Meta.EXTERNAL) === 0) return 0;
    const q = this.queues;
    const until = performance.now() + SPIN_MS;
    for (let k = 1; ; k++) {
      if (q.anyRunnable()) {
        const f = q.next();
        if (f !== 0) return f;
      }
      // a C call's result (or another injected record): the loop takes it (each pause below
      // lasts about a microsecond, and the result is what a lone worker spins for)
      if (injectPending(i32, this.ring)) return 0;
      // look again in a moment: reading other workers' queue words in a tight loop would keep
      // pulling their cache lines away from them
      let x = k;
      for (let j = 0; j < SPIN_PAUSE; j++) x = (x * 1103515245 + 12345) | 0;
      this.spinSink = x;
      if ((k & 15) === 0) {
        const now = performance.now();
        if (Atomics.load(i32, Meta.DONE) !== Finish.Running || now > until || this.timers.due(now)) return 0;
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
    const q = this.queues;
    const seq = Atomics.load(i32, Meta.WORK_SEQ);
    const collections = Atomics.load(i32, Meta.COLLECTIONS);
    Atomics.sub(i32, Meta.ACTIVE, 1);
    Atomics.notify(i32, Meta.STW_PARKED);
    q.publish();
    this.publishCounts();
    const idle = Atomics.add(i32, Meta.IDLE, 1) + 1;
    const live = this.liveTasks();
    // stale timer entries (their fibers were woken otherwise) set no sleep's length; with no
    // sleeper anywhere, every entry left is stale
    this.timers.dropStale(i32);
    const sleepers = Atomics.load(i32, Meta.SLEEPERS);
    if (sleepers === 0) this.timers.clear();
    if (live === 0) {
      this.end(Finish.Completed, 0);
    } else if (
      sleepers === 0 &&
      idle === Atomics.load(i32, Meta.WORKERS) &&
      !q.anyRunnable() &&
      Atomics.load(i32, Meta.EXTERNAL) === 0 &&
      !injectPending(i32, this.ring) &&
      Atomics.load(i32, Meta.STW_REQ) === 0 &&
      Atomics.load(i32, Meta.WORK_SEQ) === seq
    ) {
      // every worker is idle and nothing can wake a fiber: a deadlock (reported once)
      if (Atomics.compareExchange(i32, Meta.DONE, Finish.Running, Finish.Deadlock) === Finish.Running) {
        Atomics.store(i32, Meta.EXIT_CODE, 1);
        Atomics.add(i32, Meta.WORK_SEQ, 1);
        Atomics.notify(i32, Meta.WORK_SEQ);
        // in heap order, as the walk finds them, whatever the worker count
        this.reporter.deadlock(this.liveFibers().sort((x, y) => x - y));
      }
    } else if (!q.anyRunnable() && !injectPending(i32, this.ring) && Atomics.load(i32, Meta.DONE) === Finish.Running) {
      const wait = this.timers.length > 0 ? Math.max(0, this.timers.nextAt() - performance.now()) : IDLE_WAIT_MS;
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
    safepointOnActivate(this.arena, this.hooks);
    if (Atomics.load(i32, Meta.COLLECTIONS) !== collections) this.hooks.release();
  }
}

function newFiber(arena: Arena, frames: number, slots: number): number {
  const fiber = allocFiber(arena, frames, slots);
  initOwnWaiter(arena.i32, fiber);
  return fiber;
}

/**
 * Before any worker starts: main's fiber (task 0), queued on the global queue, with its handle,
 * which will hold the program's result. Returns the handle.
 */
export function spawnMain(arena: Arena, fn: number, info: EntryInfo): number {
  const a = arena;
  const i32 = a.i32;
  const id = i32[Meta.NEXT_ID]++;
  const handle = newHandle(a, id, fn, info.retKind);
  a.tempRoots.push(handle);
  const fiber = newFiber(a, MAIN_STACK_FRAMES, Math.max(MAIN_STACK_SLOTS, info.nlocals + info.maxStack + 8));
  a.tempRoots.pop();
  initFiber(a, fiber, id, fn, handle, info.nlocals, [], 0, 0);
  i32[hw(handle, H.FIBER)] = fiber;
  i32[countsLine(0) + Stat.SPAWNED]++;
  i32[fw(fiber, F.NEXT)] = 0;
  pushBatch(i32, Meta.RUNQ_HEAD, Meta.RUNQ_TAIL, fiber, 1);
  i32[Meta.GLOBAL_LEN]++;
  return handle;
}

/** Which waits a cancellation ends (an await keeps waiting; a C call cannot be interrupted). */
function cancellable(kind: number): boolean {
  return kind === WaitKind.Mutex || kind === WaitKind.Timer || kind === WaitKind.Recv || kind === WaitKind.Send || kind === WaitKind.Select;
}
