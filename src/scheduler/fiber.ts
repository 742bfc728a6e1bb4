// Fibers: a task's whole state in the shared arena, so any worker can resume it.
//
//   FIBER block (Tag.FIBER), int32 words:
//     ID STATE FN PC BASE SP DEPTH STACK HANDLE WAIT_KIND WAIT_REF NEXT ENTRY SELECT
//     BATCH_NEXT BATCH_LEN (batchlist.ts: the first fiber of a batch on a shared list)
//     PARK_SEQ WAKE CANCEL TIMER (park.ts: the parking door)
//   (HANDLE is 0 for a plain `spawn`: nobody can await it, so it has no handle;
//    NEXT links a fiber on run queues and shared lists only: wait queues link waiter records)
//   then the fiber's first stack, in the same block: value slots, then frame records; and last,
//   at the end of the block, the fiber's own waiter record (waiter.ts), which every wait on one
//   object uses. At the end, it stays out of the cache lines a short task touches: its words,
//   then its first slots.
//   A stack that grows moves to a STACK block (Tag.STACK) of its own, laid out the same way
//   without the fiber words; STACK names the block the stack is in (the fiber itself at first).
//     header aux = frame capacity, header variant = slot capacity
//     frame record = 3 int32 words: caller fn, return pc, caller base (relative to slot 0)
// One block, slots first: a short task touches two or three cache lines (the fiber's words and
// its first slots), which is what a task moving between workers costs.
//
// Registers (FN, PC, BASE, SP, DEPTH) are written by the interpreter when the fiber stops running
// and at every safepoint; BASE and SP are slot indices relative to the stack's first slot, so a
// stack can be copied to a bigger block (growth) without rewriting its frames.
import type { Arena } from '../heap/arena';
import { HDR_AUX, HDR_VARIANT, HEADER_BYTES, Tag } from '../heap/layout';
import { WAITER_WORDS } from './waiter';

export const enum F {
  ID = 0,
  STATE = 1,
  FN = 2,
  PC = 3,
  BASE = 4,
  SP = 5,
  DEPTH = 6,
  STACK = 7,
  HANDLE = 8,
  WAIT_KIND = 9,
  WAIT_REF = 10,
  NEXT = 11,
  ENTRY = 12,
  /** the first waiter record of the select under way (linked by W.LINK), 0 outside one */
  SELECT = 13,
  BATCH_NEXT = 14,
  BATCH_LEN = 15,
  /** parks so far (never 0 once parked): names one park, so a late timer cannot wake the next */
  PARK_SEQ = 16,
  /** PARK_SEQ while the fiber is parked and no waker has claimed it yet, else 0 (park.ts) */
  WAKE = 17,
  /** 1 once the task was cancelled (h.cancel()) */
  CANCEL = 18,
  /** 1 while a timer entry of this park counts in Meta.SLEEPERS (park.ts: claim) */
  TIMER = 19,
}
export const FIBER_WORDS = 20;

export const enum FiberState {
  Runnable = 0,
  Running = 1,
  Blocked = 2,
  Done = 3,
}

/** What a parked fiber waits on (F.WAIT_KIND; F.WAIT_REF names the object). */
export const enum WaitKind {
  None = 0,
  /** a task's end: WAIT_REF is its handle */
  Task = 1,
  /** a mutex: WAIT_REF is the mutex */
  Mutex = 2,
  /** a sleep: WAIT_REF is 0 */
  Timer = 3,
  /** several objects at once: WAIT_REF is the first of its waiter records (linked by W.LINK) */
  Select = 4,
  /** work that a thread which is not a worker completes (inject.ts): WAIT_REF is 0 */
  External = 5,
  /** a receive: WAIT_REF is the channel */
  Recv = 6,
  /** a send: WAIT_REF is the channel */
  Send = 7,
}

export const FRAME_WORDS = 3;

/** int32 index of a fiber's word `f`. */
export function fw(fiber: number, f: F): number {
  return ((fiber + HEADER_BYTES) >>> 2) + f;
}

export interface StackLayout {
  /** int32 index of frame record 0 */
  frameBase: number;
  /** f64 index of value slot 0 */
  slot0: number;
  frameCap: number;
  slotCap: number;
}

/** f64 index of slot 0 of the stack in block `stack` (a FIBER block or a STACK block). */
export function stackSlot0(i32: Int32Array, stack: number): number {
  return (stack + HEADER_BYTES + ((i32[stack >>> 2] & 0xff) === Tag.FIBER ? FIBER_WORDS * 4 : 0)) >>> 3;
}

/** The layout of the stack in block `stack` (any holder of the arena's int32 view will do). */
export function stackLayout(arena: { readonly i32: Int32Array }, stack: number): StackLayout {
  const i32 = arena.i32;
  const slotCap = stackSlotCap(i32, stack);
  const slot0 = stackSlot0(i32, stack);
  return { frameBase: (slot0 + slotCap) * 2, slot0, frameCap: stackFrameCap(i32, stack), slotCap };
}

/** Value slots of the stack in block `stack` (its frame records follow them: frameBase). */
export function stackSlotCap(i32: Int32Array, stack: number): number {
  return i32[(stack >>> 2) + HDR_VARIANT];
}

/** Frame records of the stack in block `stack`. */
export function stackFrameCap(i32: Int32Array, stack: number): number {
  return i32[(stack >>> 2) + HDR_AUX];
}

/** Bytes of a stack with these capacities (slots, then frame records). */
function stackBytes(frameCap: number, slotCap: number): number {
  return slotCap * 8 + frameCap * FRAME_WORDS * 4;
}

/** A fresh STACK block (for a stack that grew out of its fiber's block). */
export function newStack(arena: Arena, frameCap: number, slotCap: number): number {
  // not zero-filled: frames are written before they are read, and only slots below the stack
  // pointer are ever read (the caller zeroes the first frame's locals)
  return arena.alloc(Tag.STACK, stackBytes(frameCap, slotCap), frameCap, slotCap, false);
}

/**
 * A fiber block with a stack of its own (not yet initialised: see initFiber). A dead fiber is
 * reused whole, stack included (Scheduler's fiber cache), so most spawns allocate nothing.
 */
export function allocFiber(arena: Arena, frameCap: number, slotCap: number): number {
  // the own waiter record must start on an 8-byte boundary (its VALUE slot is an f64)
  const fiber = arena.alloc(Tag.FIBER, ((FIBER_WORDS * 4 + stackBytes(frameCap, slotCap) + 7) & ~7) + WAITER_WORDS * 4, frameCap, slotCap, false);
  arena.i32[fw(fiber, F.STACK)] = fiber;
  return fiber;
}

/** Slots a fiber's stack has. */
export function stackSlots(arena: Arena, fiber: number): number {
  return arena.i32[(arena.i32[fw(fiber, F.STACK)] >>> 2) + 3];
}

/**
 * Make `fiber` (fresh or reused) a runnable call of `fn` with `argc` arguments copied from
 * `src[start..]` (kinds ignored here: the stack map of the entry function knows them). Its stack
 * must have room for nlocals + maxStack slots. Locals past the arguments start as 0. `handle`
 * is its task handle, or 0 (a plain spawn).
 */
export function initFiber(arena: Arena, fiber: number, id: number, fn: number, handle: number, nlocals: number, src: ArrayLike<number>, start: number, argc: number): void {
  const i32 = arena.i32;
  const w = fw(fiber, 0);
  i32[w + F.ID] = id;
  i32[w + F.STATE] = FiberState.Runnable;
  i32[w + F.FN] = fn;
  i32[w + F.PC] = 0;
  i32[w + F.BASE] = 0;
  i32[w + F.SP] = nlocals;
  i32[w + F.DEPTH] = 0;
  i32[w + F.HANDLE] = handle;
  i32[w + F.WAIT_KIND] = WaitKind.None;
  i32[w + F.WAIT_REF] = 0;
  i32[w + F.NEXT] = 0;
  i32[w + F.ENTRY] = fn;
  i32[w + F.SELECT] = 0;
  // the own waiter record's DONE is 0: every wait that sets it is taken by the fiber itself
  i32[w + F.WAKE] = 0;
  i32[w + F.CANCEL] = 0;
  i32[w + F.TIMER] = 0;
  const slot0 = stackSlot0(i32, i32[w + F.STACK]);
  const f64 = arena.f64;
  for (let i = 0; i < argc; i++) f64[slot0 + i] = src[start + i];
  for (let i = argc; i < nlocals; i++) f64[slot0 + i] = 0;
}

/**
 * Copy a fiber's stack into a block with room for `slots` values and `frames` records. The old
 * block becomes garbage. Returns false when the limits forbid it.
 */
export function growStack(arena: Arena, fiber: number, slotsNeeded: number, framesNeeded: number, maxSlots: number, maxFrames: number): boolean {
  const i32 = arena.i32;
  const old = i32[fw(fiber, F.STACK)];
  const o = stackLayout(arena, old);
  if (slotsNeeded > maxSlots || framesNeeded > maxFrames) return false;
  const slots = Math.min(maxSlots, Math.max(o.slotCap, slotsNeeded * 2));
  const frames = Math.min(maxFrames, Math.max(o.frameCap, framesNeeded * 2));
  const stack = newStack(arena, frames, slots);
  const n = stackLayout(arena, stack);
  const depth = arena.i32[fw(fiber, F.DEPTH)];
  const used = arena.i32[fw(fiber, F.SP)];
  arena.i32.copyWithin(n.frameBase, o.frameBase, o.frameBase + depth * FRAME_WORDS);
  arena.f64.copyWithin(n.slot0, o.slot0, o.slot0 + used);
  arena.i32[fw(fiber, F.STACK)] = stack;
  return true;
}
