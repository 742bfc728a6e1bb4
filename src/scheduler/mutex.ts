// Mutexes (Asthra_runtime.mutex_*): a contended lock parks the task, never the worker thread.
//
//   MUTEX block (Tag.MUTEX), int32 words (M): OWNER, HEAD and TAIL of the FIFO of waiter records
//   (waiter.ts) of the parked fibers, LOCK.
// OWNER is 0 when free, the holder's task id + 1 when held, minus that when fibers are parked
// on it, and MUTEX_DESTROYED after mutex_destroy. A task id, not a fiber reference: a finished
// fiber's block is reused for the next spawn.
// Invariants:
//   - A lock of a free mutex and an unlock with nobody parked are one CAS on OWNER each.
//   - While a waiter record is queued, OWNER is negative, so the holder's fast-path CAS fails
//     and its unlock hands the mutex over under LOCK (FIFO: nobody barges in).
//   - Only the holder changes a negative OWNER (under LOCK); a parked fiber that was cancelled
//     is taken off the FIFO by its canceller (also under LOCK), which may leave the FIFO empty
//     and OWNER negative: the holder's unlock then finds nobody to hand to and frees the mutex.
// LOCK guards HEAD and TAIL; it is taken only to park, hand over or unlink, and only with
// several workers.
// `mutex_lock` is an instruction (MUTEX_LOCK), not a built-in call, because it can park the
// task: the interpreter must leave its slice right after. Its result slot is written before
// the fiber parks (Ok: a fiber resumes as the new owner), and a canceller overwrites it.
import type { Arena } from '../heap/arena';
import { HEADER_BYTES, Tag } from '../heap/layout';
import { lock, unlock } from '../heap/lock';
import { F, WaitKind, fw } from './fiber';
import type { Parking } from './park';
import { W, dequeue, enqueue, ownWaiter, prepareWaiter, queued, unlink, waiterFiber, ww } from './waiter';

export const enum M {
  OWNER = 0, // see above: changed by CAS
  HEAD = 1,
  TAIL = 2, // HEAD + 1: waiter.ts queues are two adjacent words
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
  /** the task was cancelled (before or while it waited) */
  Cancelled = 5,
}

/** Queue `fiber` on the mutex and park it; its result slot (f64 index `slot`) says Ok. */
function parkOnMutex(door: Parking, i32: Int32Array, fiber: number, mutex: number, slot: number): void {
  door.park(fiber, WaitKind.Mutex, mutex);
  const w = ownWaiter(i32, fiber);
  prepareWaiter(i32, w, mutex, WaitKind.Mutex, -1, slot);
  enqueue(i32, mw(mutex, M.HEAD), w);
}

/**
 * Lock `mutex` for `fiber`: a result code, or -1 when the fiber parked in the mutex's FIFO
 * (`slot`, the f64 index of the instruction's result, already says Ok). Otherwise, under the
 * mutex's LOCK, the fiber marks OWNER as having waiters (negative), so the holder's unlock
 * cannot take the fast path and miss it, and parks.
 */
export function mutexLock(door: Parking, fiber: number, mutex: number, slot: number): number {
  const i32 = door.arena.i32;
  if (door.cancelled(fiber)) return MutexResult.Cancelled;
  const me = i32[fw(fiber, F.ID)] + 1;
  const at = mw(mutex, M.OWNER);
  if (!door.mt) {
    const o = i32[at];
    if (o === 0) {
      i32[at] = me;
      return MutexResult.Ok;
    }
    if (o === MUTEX_DESTROYED) return MutexResult.Destroyed;
    if (o === me || o === -me) return MutexResult.AlreadyHeld;
    i32[at] = -Math.abs(o);
    parkOnMutex(door, i32, fiber, mutex, slot);
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
  if (r === -1) parkOnMutex(door, i32, fiber, mutex, slot);
  unlock(i32, mw(mutex, M.LOCK));
  return r;
}

/**
 * Unlock: with nobody parked, one CAS on OWNER; else the first waiter that can still be woken
 * (FIFO; a cancelled one was claimed by its canceller) becomes the owner and runnable.
 */
export function mutexUnlock(door: Parking, fiber: number, mutex: number): number {
  const i32 = door.arena.i32;
  const mt = door.mt;
  const me = i32[fw(fiber, F.ID)] + 1;
  const at = mw(mutex, M.OWNER);
  const c = mt ? Atomics.compareExchange(i32, at, me, 0) : i32[at];
  if (c === me) {
    if (!mt) i32[at] = 0;
    return MutexResult.Ok;
  }
  if (c === MUTEX_DESTROYED) return MutexResult.Destroyed;
  if (c !== -me) return MutexResult.NotOwner;
  // fibers are (or were) parked: hand over to the first that is still waiting
  if (mt) lock(i32, mw(mutex, M.LOCK));
  let next = 0;
  for (let w = dequeue(i32, mw(mutex, M.HEAD)); w !== 0; w = dequeue(i32, mw(mutex, M.HEAD))) {
    const f = waiterFiber(i32, w);
    if (door.claim(f)) {
      next = f;
      break;
    }
  }
  const owner = next === 0 ? 0 : i32[fw(next, F.ID)] + 1;
  const v = next === 0 || i32[mw(mutex, M.HEAD)] === 0 ? owner : -owner;
  if (mt) Atomics.store(i32, at, v);
  else i32[at] = v;
  if (mt) unlock(i32, mw(mutex, M.LOCK));
  if (next !== 0) door.ready(next);
  return MutexResult.Ok;
}

export function mutexDestroy(door: Parking, mutex: number): number {
  const i32 = door.arena.i32;
  const at = mw(mutex, M.OWNER);
  const c = door.mt ? Atomics.compareExchange(i32, at, 0, MUTEX_DESTROYED) : i32[at];
  if (c === MUTEX_DESTROYED) return MutexResult.Destroyed;
  if (c !== 0) return MutexResult.Locked;
  if (!door.mt) i32[at] = MUTEX_DESTROYED;
  return MutexResult.Ok;
}

/**
 * A canceller claimed `fiber`, parked on `mutex`: take its record off the FIFO (unless the
 * holder's unlock already did) and make its lock return Cancelled.
 */
export function cancelMutexWait(door: Parking, fiber: number, mutex: number): void {
  const a = door.arena;
  const i32 = a.i32;
  const w = ownWaiter(i32, fiber);
  if (door.mt) lock(i32, mw(mutex, M.LOCK));
  if (queued(i32, w)) unlink(i32, mw(mutex, M.HEAD), w);
  if (door.mt) unlock(i32, mw(mutex, M.LOCK));
  a.f64[i32[ww(w, W.ELEM)]] = MutexResult.Cancelled;
}
