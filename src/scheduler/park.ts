// The parking door: the one place where a fiber blocks and the one place where it is readied
// (Go's gopark and goready). Handles, mutexes, timers, and anything added later (channels,
// select, calls into C) block and wake fibers only through it, so the reason a fiber waits is
// always recorded (F.WAIT_KIND, F.WAIT_REF: deadlock reports and traces read them), and every
// wake-up follows one rule.
//
// The rule: exactly one waker wins. A parked fiber can be woken by several parties at once: the
// object it waits on, a timer, a canceller, any arm of a select. Each must first claim the
// fiber: F.WAKE holds the park's sequence number (F.PARK_SEQ) while the fiber is parked and
// unclaimed, and a claim swaps it to 0 (a CAS with several workers). The winner readies the
// fiber; a loser leaves it alone (and a waker that took the fiber's waiter record off a queue
// moves on to the next record, as Go's select code does with selectDone). A claim by sequence
// number (claimPark) wins only the park it names, so a timer entry left over from an earlier
// park can never wake a later one: that is how timers are removed (lazily, see timers.ts).
//
// States (F.STATE): Runnable -> Running (runOne) -> Blocked (park) -> Runnable (ready).
//   park:  Running -> Blocked; WAIT_KIND/WAIT_REF say on what; WAKE = PARK_SEQ (claimable)
//   claim: WAKE = PARK_SEQ -> 0; the winner owns the fiber until it readies it
//   ready: Blocked -> Runnable; the fiber goes on this worker's queue
// A fiber parks while it still runs (its registers are written first: the interpreter's
// sync), and its slice returns Blocked right after; it may be readied, and even run on another
// worker, before this worker has left the slice, which therefore touches the fiber no more.
import type { Arena } from '../heap/arena';
import { Meta } from '../heap/layout';
import { F, FiberState, WaitKind, fw } from './fiber';
import type { SchedulerEvents } from './events';
import type { RunQueues } from './queues';

export class Parking {
  /** the state-change hooks of this worker (events.ts), or null */
  events: SchedulerEvents | null = null;
  /**
   * Called, with several workers, before the running task parks or readies another: the
   * worker's buffered output goes out first, so what a task printed before a hand-off is
   * never overtaken by what the task it hands off to prints on another worker.
   */
  handoff: () => void = () => {};

  constructor(
    readonly arena: Arena,
    /** several workers share the arena: claims are CAS */
    readonly mt: boolean,
    /** this worker's run queues, where a readied fiber goes */
    private readonly queues: RunQueues,
  ) {}

  /**
   * The running fiber `fiber` blocks on `ref` (what it is: `kind`). With `timed`, a timer entry
   * will name this park (it counts in Meta.SLEEPERS until the fiber is claimed). Returns the
   * park's sequence number. The caller then publishes the fiber where wakers find it (a waiter
   * record on the object's queue, under its lock; a timer entry), and ends the slice Blocked.
   */
  park(fiber: number, kind: WaitKind, ref: number, timed = false): number {
    if (this.mt) this.handoff();
    const i32 = this.arena.i32;
    const w = fw(fiber, 0);
    let seq = (i32[w + F.PARK_SEQ] + 1) | 0;
    if (seq === 0) seq = 1;
    i32[w + F.PARK_SEQ] = seq;
    i32[w + F.STATE] = FiberState.Blocked;
    i32[w + F.WAIT_KIND] = kind;
    i32[w + F.WAIT_REF] = ref;
    if (timed) {
      // counted before the fiber can be claimed, so the claim that uncounts it sees TIMER set
      i32[w + F.TIMER] = 1;
      Atomics.add(i32, Meta.SLEEPERS, 1);
    }
    if (this.mt) Atomics.store(i32, w + F.WAKE, seq);
    else i32[w + F.WAKE] = seq;
    if (this.events !== null) this.events.park(i32[w + F.ID], kind, ref, fiber);
    return seq;
  }

  /** Claim a parked fiber for waking (true: this caller won and must ready it). */
  claim(fiber: number): boolean {
    const i32 = this.arena.i32;
    const at = fw(fiber, F.WAKE);
    const seq = this.mt ? Atomics.load(i32, at) : i32[at];
    if (seq === 0) return false;
    if (this.mt) {
      if (Atomics.compareExchange(i32, at, seq, 0) !== seq) return false;
    } else {
      i32[at] = 0;
    }
    this.claimed(i32, fiber);
    return true;
  }

  /** Claim the fiber only if it is still in park `seq` (a timer's or another thread's wake-up). */
  claimPark(fiber: number, seq: number): boolean {
    const i32 = this.arena.i32;
    const at = fw(fiber, F.WAKE);
    // a CAS even with one worker: the claimant may race a thread that is not a worker
    if (Atomics.compareExchange(i32, at, seq, 0) !== seq) return false;
    this.claimed(i32, fiber);
    return true;
  }

  private claimed(i32: Int32Array, fiber: number): void {
    const t = fw(fiber, F.TIMER);
    if (i32[t] !== 0) {
      i32[t] = 0;
      Atomics.sub(i32, Meta.SLEEPERS, 1);
    }
  }

  /** A claimed fiber becomes runnable (on this worker's queue). */
  ready(fiber: number): void {
    if (this.mt) this.handoff();
    if (this.events !== null) this.events.ready(this.arena.i32[fw(fiber, F.ID)], fiber);
    this.queues.makeRunnable(fiber, false);
  }

  /** Has the fiber's task been cancelled? */
  cancelled(fiber: number): boolean {
    return this.arena.i32[fw(fiber, F.CANCEL)] !== 0;
  }
}
