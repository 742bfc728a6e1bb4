// The scheduler's state changes, for whoever wants to watch them (a tracer, a test).
//
// One object per worker, attached to its Scheduler (Scheduler.events). Every state change goes
// through one `if (events !== null)` test, so with nothing attached a change costs one branch and
// an instruction costs nothing: the interpreter never sees this object. The events are the ones
// Go's execution tracer records (GoCreate, GoStart, GoBlock*, GoUnblock, GoSched, GCStart...).
import type { WaitKind } from './fiber';

/** How a slice ended (Scheduler.runOne), as the interpreter reports it. */
export const enum SliceEnd {
  Done = 0,
  /** the budget ran out */
  Preempted = 1,
  Blocked = 2,
  /** Asthra_runtime.yield */
  Yielded = 3,
  /** the task trapped (events only: the interpreter throws instead of returning this) */
  Failed = 4,
}

export interface SchedulerEvents {
  /** task `task` was created (its fiber queued) running function `fn` */
  spawn(task: number, fn: number): void;
  /** this worker starts running `task` (in `fiber`, which it owns until the slice ends) */
  sliceStart(task: number, fiber: number): void;
  /**
   * The slice ended: `end` says how. Unless it ended Blocked, the fiber is still this
   * worker's (a blocked one may already run elsewhere: read it at `park`).
   */
  sliceEnd(task: number, end: SliceEnd, fiber: number): void;
  /** the running task parked on `ref` (what it waits on: `kind`); its registers are written */
  park(task: number, kind: WaitKind, ref: number, fiber: number): void;
  /** a parked task became runnable again (its F.WAIT_KIND still says what it waited for) */
  ready(task: number, fiber: number): void;
  /** this worker took `n` tasks from worker `victim`'s queue */
  steal(victim: number, n: number): void;
  /** this worker took `n` tasks from the global queue (several workers only) */
  globalTake(n: number): void;
  /** this worker found nothing to run: it looks for work, then waits for some */
  idle(): void;
  /** a collection starts / ends on this worker (every other worker is stopped meanwhile) */
  gcStart(): void;
  gcEnd(): void;
}
