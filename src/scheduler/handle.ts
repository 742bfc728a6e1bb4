// Task handles: what `spawn_with_handle` returns and `await` parks on. A HANDLE block lives in
// the shared arena: f64 slot 0 is the task's result, then int32 words (H):
//   STATE (running / done / failed), KIND (is the result a reference?), HEAD and TAIL (the
//   queue of waiter records of the fibers awaiting it: waiter.ts), FLAGS (FAILED: the task
//   trapped or returned Result.Err; OBSERVED: an await saw the outcome), FN (entry function),
//   MESSAGE (string ref of a failure), LOCK, TASK (id), FIBER (the task's fiber while it runs, so it can be cancelled; 0 once it has ended)
// Invariants:
//   - STATE goes Running -> Done or Failed once, under LOCK, with the result written first;
//     the waiters are taken off the queue in the same critical section, so an await that saw
//     Running under LOCK and queued itself is always woken.
//   - FIBER is the task's fiber only while STATE is Running (under LOCK): a finished fiber's
//     block is reused for the next spawn, so nobody may reach it through the handle after.
// LOCK is taken only with several workers; with one, nothing else runs meanwhile.
import type { Arena } from '../heap/arena';
import { HDR_AUX, HEADER_BYTES, Meta, Tag } from '../heap/layout';
import { lock, unlock } from '../heap/lock';
import { WaitKind } from './fiber';
import type { Parking } from './park';
import { Done, W, dequeue, enqueue, ownWaiter, prepareWaiter, queued, unlink, waiterFiber, ww } from './waiter';

export const enum H {
  STATE = 0,
  KIND = 1, // read by the collector (gc.ts): 1 when the result is a reference
  HEAD = 2,
  TAIL = 3, // HEAD + 1: waiter.ts queues are two adjacent words
  FLAGS = 4, // HandleFlag bits
  FN = 5,
  MESSAGE = 6, // read by the collector (gc.ts)
  LOCK = 7, // guards STATE, the queue and FIBER (with several workers)
  TASK = 8,
  FIBER = 9,
}
/** 8 bytes of result and 10 words: a 64-byte block, the size class a spawn's handle comes from */
const HANDLE_WORDS = 10;

export const enum HandleFlag {
  OBSERVED = 1,
  FAILED = 2,
}
/**
 * FLAGS bits from here up: the reply slot (1-based) of a task started by a call from C, which
 * waits there for the task's result (src/ffi/callbacks.ts); 0 for every other task.
 */
export const HANDLE_REPLY_SHIFT = 8;

/**
 * The reply slots: a block (Meta.CB_TABLE's second half, see src/ffi/callbacks.ts) of 16-byte
 * slots, each an f64 result and an int32 state (0 waiting, 1 done, 2 failed) that the C caller's
 * thread waits on.
 */
export function replySlotValue(i32: Int32Array, slot: number): number {
  return (replyBase(i32) >>> 3) + slot * 2;
}

export function replySlotState(i32: Int32Array, slot: number): number {
  return (replyBase(i32) >>> 2) + slot * 4 + 2;
}

/** Byte offset of reply slot 0: after the callback addresses in the callback block. */
function replyBase(i32: Int32Array): number {
  const block = i32[Meta.CB_TABLE];
  return block + HEADER_BYTES + 8 * i32[(block >>> 2) + HDR_AUX];
}

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

/**
 * Park `fiber` until the task of `handle` ends, unless it has already ended (then false: the
 * caller reads the result). The check and the park happen under the handle's lock, so no
 * wake-up is lost.
 */
export function parkOnTask(door: Parking, fiber: number, handle: number): boolean {
  const i32 = door.arena.i32;
  const mt = door.mt;
  if (mt) lock(i32, hw(handle, H.LOCK));
  const running = i32[hw(handle, H.STATE)] === TaskState.Running;
  if (running) {
    door.park(fiber, WaitKind.Task, handle);
    const w = ownWaiter(i32, fiber);
    prepareWaiter(i32, w, handle, WaitKind.Task, -1, 0);
    enqueue(i32, hw(handle, H.HEAD), w);
  }
  if (mt) unlock(i32, hw(handle, H.LOCK));
  return running;
}

/**
 * The task ended: publish its result and state, and wake every fiber awaiting it (in the order
 * they came). The handle's FIBER is cleared, so a cancel no longer reaches the fiber (which is
 * about to be reused).
 */
export function completeHandle(door: Parking, handle: number, state: TaskState, value: number, failed: boolean): void {
  const a = door.arena;
  const i32 = a.i32;
  const mt = door.mt;
  if (mt) lock(i32, hw(handle, H.LOCK));
  a.f64[handleResultSlot(handle)] = value;
  if (failed) i32[hw(handle, H.FLAGS)] |= HandleFlag.FAILED; // nobody observes before STATE says so
  i32[hw(handle, H.FIBER)] = 0;
  Atomics.store(i32, hw(handle, H.STATE), state);
  const reply = i32[hw(handle, H.FLAGS)] >>> HANDLE_REPLY_SHIFT;
  if (reply !== 0) {
    // a C caller waits for this result on its own thread
    a.f64[replySlotValue(i32, reply - 1)] = failed ? 0 : value;
    Atomics.store(i32, replySlotState(i32, reply - 1), failed ? 2 : 1);
    Atomics.notify(i32, replySlotState(i32, reply - 1));
  }
  const head = hw(handle, H.HEAD);
  // the queue is emptied inside the lock; the fibers are woken after it
  let first = 0;
  let last = 0;
  for (let w = dequeue(i32, head); w !== 0; w = dequeue(i32, head)) {
    // reuse the records' NEXT words as a private list (they are off every queue now)
    if (last === 0) first = w;
    else i32[ww(last, W.NEXT)] = w;
    last = w;
  }
  if (mt) unlock(i32, hw(handle, H.LOCK));
  for (let w = first; w !== 0; ) {
    const next = i32[ww(w, W.NEXT)];
    i32[ww(w, W.NEXT)] = 0;
    const f = waiterFiber(i32, w);
    if (door.claim(f)) {
      // a select's await arm: mark the arm that won
      if (i32[ww(w, W.CASE)] >= 0) i32[ww(w, W.DONE)] = Done.Completed;
      door.ready(f);
    }
    w = next;
  }
}

/** Take waiter record `w` off the handle's queue if it is still there (a select's losing arm). */
export function unlinkHandleWaiter(door: Parking, handle: number, w: number): void {
  const i32 = door.arena.i32;
  if (door.mt) lock(i32, hw(handle, H.LOCK));
  if (queued(i32, w)) unlink(i32, hw(handle, H.HEAD), w);
  if (door.mt) unlock(i32, hw(handle, H.LOCK));
}

/** An await saw the task's outcome: a failure it saw no longer fails the program. */
export function observe(door: Parking, handle: number): void {
  const i32 = door.arena.i32;
  const at = hw(handle, H.FLAGS);
  let old: number;
  if (door.mt) {
    old = Atomics.or(i32, at, HandleFlag.OBSERVED);
  } else {
    old = i32[at];
    i32[at] = old | HandleFlag.OBSERVED;
  }
  // the first await to see a failure takes it off the count of failures nobody saw
  if ((old & (HandleFlag.OBSERVED | HandleFlag.FAILED)) === HandleFlag.FAILED) {
    if (door.mt) Atomics.sub(i32, Meta.UNOBSERVED, 1);
    else i32[Meta.UNOBSERVED]--;
  }
}
