// Waiter records: a parked fiber's place in the queue of an object it waits on (Go's sudog).
//
// The relation between fibers and the objects they wait on is many-to-many: a fiber in a select
// waits on several channels at once, and a channel has many fibers waiting. So queues never
// link fibers themselves; they link waiter records, one per (fiber, object) pair:
//   W.FIBER  the waiting fiber
//   W.NEXT, W.PREV  the object's queue (doubly linked: a waiter can be taken out of the middle,
//            by a cancellation or by a select whose other arm won)
//   W.OBJ    the object whose queue holds the record (0 while it is on none)
//   W.KIND   what waiting on OBJ means (a WaitKind, or a channel direction)
//   W.CASE   the select arm it stands for (-1 outside a select)
//   W.ELEM   f64 index of the value slot it sends from or receives into (0: none)
//   W.LINK   the next record of the same select (Go's waitlink)
//   W.VALUE  an f64 slot: the value a receive was handed (by the sender that completed it)
//   W.BLOCK  the block holding the record: the fiber itself (its own record, at the end of its block) or a
//            WAITER block of its own (the extra arms of a select), so the collector can keep it
//   W.DONE   how a channel wait or a select arm ended (Done: Waiting until then);
//            written by the waker that claimed the fiber, read and cleared by the fiber itself
// A wait on one object uses the fiber's own record, so parking allocates nothing. A record is
// on at most one queue, and only while its fiber is parked: whoever takes a fiber off an object
// (a waker, a canceller, the select that won) takes its record off first, under that object's
// lock. The queue operations below therefore run under the lock of the object that owns the
// queue (or with one worker, where nothing else runs).
import type { Arena } from '../heap/arena';
import { HDR_SIZE, HEADER_BYTES, Tag } from '../heap/layout';

export const enum W {
  FIBER = 0,
  NEXT = 1,
  PREV = 2,
  OBJ = 3,
  KIND = 4,
  CASE = 5,
  ELEM = 6,
  LINK = 7,
  /** words 8 and 9: an f64 slot (8-byte aligned: records start on an 8-byte boundary) */
  VALUE = 8,
  BLOCK = 10,
  DONE = 11,
}
export const WAITER_WORDS = 12;

/** How a channel wait or a select arm ended (W.DONE), written by the waker that claimed it. */
export const enum Done {
  Waiting = 0,
  /** completed: a value handed over, a send taken, a task awaited */
  Completed = 1,
  /** the channel was closed */
  Closed = 2,
  /** the task was cancelled */
  Cancelled = 3,
  /** a blocking C call failed on its thread (src/ffi) */
  Failed = 4,
}

/** f64 index of record `w`'s VALUE slot. */
export function waiterValue(w: number): number {
  return (w >>> 3) + (W.VALUE >> 1);
}

/** int32 index of word `k` of waiter record `w` (a byte offset, like every reference). */
export function ww(w: number, k: W): number {
  return (w >>> 2) + k;
}

/** The fiber's own waiter record: the last WAITER_WORDS words of its block (fiber.ts). */
export function ownWaiter(i32: Int32Array, fiber: number): number {
  return fiber + HEADER_BYTES + i32[(fiber >>> 2) + HDR_SIZE] - WAITER_WORDS * 4;
}

/**
 * Set up a fiber's own record when its block is made. Every word is written: the block is not
 * zero-filled, and a stale DONE would make the fiber's first channel operation look like one
 * that was woken (FIBER and BLOCK never change after this).
 */
export function initOwnWaiter(i32: Int32Array, fiber: number): void {
  const w = ownWaiter(i32, fiber);
  i32.fill(0, w >>> 2, (w >>> 2) + WAITER_WORDS);
  i32[ww(w, W.FIBER)] = fiber;
  i32[ww(w, W.BLOCK)] = fiber;
}

/** A record in a block of its own, for a fiber that waits on several objects (select). */
export function newWaiter(arena: Arena, fiber: number): number {
  const block = arena.alloc(Tag.WAITER, WAITER_WORDS * 4);
  const w = block + HEADER_BYTES;
  const i32 = arena.i32;
  i32[ww(w, W.FIBER)] = fiber;
  i32[ww(w, W.BLOCK)] = block;
  return w;
}

/** Fill in a record for a wait on `obj` (it is not on a queue yet: enqueue sets its links). */
export function prepareWaiter(i32: Int32Array, w: number, obj: number, kind: number, arm: number, elem: number): void {
  i32[ww(w, W.OBJ)] = obj;
  i32[ww(w, W.KIND)] = kind;
  i32[ww(w, W.CASE)] = arm;
  i32[ww(w, W.ELEM)] = elem;
  i32[ww(w, W.DONE)] = 0;
}

/**
 * A queue is two int32 words of its object: `head` and `head + 1` (the tail). These run under
 * the object's lock.
 */
export function enqueue(i32: Int32Array, head: number, w: number): void {
  const tail = i32[head + 1];
  i32[ww(w, W.NEXT)] = 0;
  i32[ww(w, W.PREV)] = tail;
  if (tail === 0) i32[head] = w;
  else i32[ww(tail, W.NEXT)] = w;
  i32[head + 1] = w;
}

/** Take the first record off the queue (0 when empty); its OBJ becomes 0. */
export function dequeue(i32: Int32Array, head: number): number {
  const w = i32[head];
  if (w !== 0) unlink(i32, head, w);
  return w;
}

/** Take record `w` off the queue at `head`, wherever it is. */
export function unlink(i32: Int32Array, head: number, w: number): void {
  const next = i32[ww(w, W.NEXT)];
  const prev = i32[ww(w, W.PREV)];
  if (prev === 0) i32[head] = next;
  else i32[ww(prev, W.NEXT)] = next;
  if (next === 0) i32[head + 1] = prev;
  else i32[ww(next, W.PREV)] = prev;
  i32[ww(w, W.NEXT)] = 0;
  i32[ww(w, W.PREV)] = 0;
  i32[ww(w, W.OBJ)] = 0;
}

/** Is record `w` on a queue (of the object it names)? */
export function queued(i32: Int32Array, w: number): boolean {
  return i32[ww(w, W.OBJ)] !== 0;
}

/** The fiber of record `w`. */
export function waiterFiber(i32: Int32Array, w: number): number {
  return i32[ww(w, W.FIBER)];
}

/** Records on the queue at `head`, first to last (for reports and tests). */
export function queueList(i32: Int32Array, head: number): number[] {
  const out: number[] = [];
  for (let w = i32[head]; w !== 0; w = i32[ww(w, W.NEXT)]) out.push(w);
  return out;
}
