// Task handles and mutexes: the two objects fibers park on. Both live in the shared arena.
//
//   HANDLE block (Tag.HANDLE): f64 slot 0 = the task's result, then int32 words
//     STATE (running / done / failed), KIND (result is a reference?), WAITERS (first parked
//     fiber, linked through the fibers' NEXT word), TASK (id), OBSERVED (an await saw the
//     outcome), FN (entry function), MESSAGE (string ref of a failure), FAILED, LOCK
//   MUTEX block (Tag.MUTEX): int32 words OWNER, HEAD and TAIL of the FIFO of parked fibers, LOCK.
//     OWNER is 0 when free, the holder's task id + 1 when held, minus that when fibers are
//     parked on it, and MUTEX_DESTROYED after mutex_destroy. A lock of a free mutex and an
//     unlock with nobody parked are one CAS on OWNER each; LOCK guards the FIFO and is taken
//     only to park and to hand the mutex over (see Scheduler.mutexLock).
// Each handle and mutex has a lock word of its own (taken only with several workers), so tasks
// waiting on different things never contend. OWNER is a task id, not a fiber reference: a
// finished fiber's block is reused for the next spawn.
// A fiber waits on at most one thing at a time, so one NEXT link per fiber serves every queue.
import type { Arena } from '../heap/arena';
import { HEADER_BYTES, Tag } from '../heap/layout';
import { F, fw } from './fiber';

export const enum H {
  STATE = 0,
  KIND = 1,
  WAITERS = 2,
  TASK = 3,
  OBSERVED = 4,
  FN = 5,
  MESSAGE = 6,
  FAILED = 7, // the task trapped or returned Result.Err
  LOCK = 8, // guards STATE and WAITERS (with several workers)
}
const HANDLE_WORDS = 9;

export const enum TaskState {
  Running = 0,
  Done = 1,
  Failed = 2,
}

export function hw(handle: number, h: H): number {
  return ((handle + HEADER_BYTES + 8) >>> 2) + h;
}

export function handleResultSlot(handle: number): number {
  return (handle + HEADER_BYTES) >>> 3;
}

export function newHandle(arena: Arena, task: number, fn: number, kind: number): number {
  const h = arena.alloc(Tag.HANDLE, 8 + HANDLE_WORDS * 4);
  const i32 = arena.i32;
  i32[hw(h, H.TASK)] = task;
  i32[hw(h, H.FN)] = fn;
  i32[hw(h, H.KIND)] = kind;
  return h;
}

export const enum M {
  OWNER = 0, // see above: changed by CAS
  HEAD = 1,
  TAIL = 2,
  LOCK = 3, // guards HEAD and TAIL (with several workers)
}
const MUTEX_WORDS = 4;
/** OWNER of a destroyed mutex (no task id + 1 is this, or minus this) */
export const MUTEX_DESTROYED = -0x80000000;

export function mw(mutex: number, m: M): number {
  return ((mutex + HEADER_BYTES) >>> 2) + m;
}

export function newMutex(arena: Arena): number {
  return arena.alloc(Tag.MUTEX, MUTEX_WORDS * 4);
}

/** AsthraResult codes: 0 is success. */
export const enum MutexResult {
  Ok = 0,
  NotOwner = 1,
  Destroyed = 2,
  Locked = 3,
  AlreadyHeld = 4,
}

/** Append a fiber to a mutex's FIFO of waiters. */
export function enqueueWaiter(i32: Int32Array, mutex: number, fiber: number): void {
  i32[fw(fiber, F.NEXT)] = 0;
  const tail = i32[mw(mutex, M.TAIL)];
  if (tail === 0) i32[mw(mutex, M.HEAD)] = fiber;
  else i32[fw(tail, F.NEXT)] = fiber;
  i32[mw(mutex, M.TAIL)] = fiber;
}

/** Take the first waiter of a mutex, or 0. */
export function dequeueWaiter(i32: Int32Array, mutex: number): number {
  const head = i32[mw(mutex, M.HEAD)];
  if (head === 0) return 0;
  const next = i32[fw(head, F.NEXT)];
  i32[mw(mutex, M.HEAD)] = next;
  if (next === 0) i32[mw(mutex, M.TAIL)] = 0;
  i32[fw(head, F.NEXT)] = 0;
  return head;
}
