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
}

export interface SchedulerEvents {
  /** task `task` was created (its fiber queued) running function `fn` */
  spawn(task: number, fn: number): void;
  /** this worker starts running `task` for a slice */
  sliceStart(task: number): void;
  /** the slice ended: `end` says how (a failed task ends with Done) */
  sliceEnd(task: number, end: SliceEnd): void;
  /** the running task parked on `ref` (what it waits on: `kind`) */
  park(task: number, kind: WaitKind, ref: number): void;
  /** a parked task became runnable again */
  ready(task: number): void;
  /** this worker took `n` tasks from worker `victim`'s queue */
  steal(victim: number, n: number): void;
  /** a collection starts / ends on this worker (every other worker is stopped meanwhile) */
  gcStart(): void;
  gcEnd(): void;
}
