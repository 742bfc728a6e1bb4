// The injection queue: how a thread that is not a worker hands work to the scheduler (Go's
// injectglist, which netpoll and cgo callbacks use). Such a thread (a C call's helper thread, a
// callback from C) must not touch run queues, allocate in the arena or take a worker's locks:
// it only pushes a fixed-size record here and wakes an idle worker. Workers drain the queue in
// their loop, beside the timers, and turn each record into scheduler work:
//   READY  fiber, seq        the fiber's park `seq` is over (an external wait completed)
//   SPAWN  fn, argc, args    start a task running fn(args) (numbers only: nothing allocated)
//   CALLBACK fn, argc | reply << 8, args   the same for a call from C; a reply slot (1-based, 0
//                            for none) gets the task's result (src/ffi/callbacks.ts)
//
// A bounded multi-producer multi-consumer ring (D. Vyukov's): each cell carries a sequence
// number saying whose turn it is, so a producer claims a cell with one CAS on TAIL and a
// consumer with one CAS on HEAD, and neither waits for the other unless the ring is full.
//   ring block: int32 words HEAD (own cache line), TAIL (own cache line), then CAP cells of
//   CELL_BYTES: int32 SEQ, KIND, TARGET (fiber or fn), ARG (seq or argc), then f64 args.
// Positions are int32 counters that wrap; comparisons are made on their difference.
//
// Meta.EXTERNAL counts what may still push here (external waits in flight, registered
// callbacks); the deadlock check treats it as it treats sleeping fibers: while it is above 0,
// or the ring holds records, a program with every task blocked is waiting, not deadlocked.
import type { Arena } from '../heap/arena';
import { HEADER_BYTES, Meta, Tag } from '../heap/layout';

export const enum InjectKind {
  Ready = 1,
  Spawn = 2,
  /** a call from C of an Asthra function (src/ffi/callbacks.ts): target fn, arg argc | reply << 8 */
  Callback = 3,
}

/** Cells in the ring. A full ring makes a producer wait (it is not a worker: it may). */
export const INJECT_CAP = 256;
/** f64 arguments a SPAWN record carries. */
export const INJECT_MAX_ARGS = 6;
const CELL_BYTES = 16 + INJECT_MAX_ARGS * 8;
const HEAD = 0;
const TAIL = 16;
const CELLS = 128; // byte offset of cell 0 in the payload
export const INJECT_BYTES = CELLS + INJECT_CAP * CELL_BYTES;

/** Make the ring (once, before any worker starts); its reference goes in Meta.INJECT. */
export function newInjectRing(arena: Arena): number {
  const ring = arena.alloc(Tag.STACK, INJECT_BYTES);
  const i32 = arena.i32;
  for (let k = 0; k < INJECT_CAP; k++) i32[cellWord(ring, k)] = k;
  return ring;
}

function word(ring: number, byte: number): number {
  return (ring + HEADER_BYTES + byte) >>> 2;
}

function cellWord(ring: number, k: number): number {
  return word(ring, CELLS + k * CELL_BYTES);
}

/** A record the consumer took (kind 0: the ring was empty). */
export interface Injected {
  kind: number;
  target: number;
  arg: number;
  /** f64 index of the record's first argument (valid until release) */
  args: number;
  /** the cell and position taken (for release) */
  cell: number;
  pos: number;
}

export function newInjected(): Injected {
  return { kind: 0, target: 0, arg: 0, args: 0, cell: 0, pos: 0 };
}

/**
 * Push a record: any thread holding the arena's buffer may call this. Waits while the ring is
 * full. `args` go into the cell's f64 slots. Then wakes an idle worker.
 */
export function inject(i32: Int32Array, f64: Float64Array, kind: InjectKind, target: number, arg: number, args: ArrayLike<number> = []): void {
  pushRecord(i32, f64, i32[Meta.INJECT], kind, target, arg, args);
  // wake an idle worker (the same word the scheduler's own wake-ups use)
  Atomics.add(i32, Meta.WORK_SEQ, 1);
  Atomics.notify(i32, Meta.WORK_SEQ, 1);
}

/**
 * Push a record onto `ring` (any ring made by newInjectRing: the injection queue, or the queue of
 * blocking C calls, src/ffi/pool.ts). Waits while the ring is full; wakes nobody.
 */
export function pushRecord(i32: Int32Array, f64: Float64Array, ring: number, kind: number, target: number, arg: number, args: ArrayLike<number> = []): void {
  if (args.length > INJECT_MAX_ARGS) throw new Error(`inject: at most ${INJECT_MAX_ARGS} arguments`);
  const tailAt = word(ring, TAIL);
  let pos = Atomics.load(i32, tailAt);
  let cell: number;
  for (;;) {
    cell = cellWord(ring, (pos >>> 0) % INJECT_CAP);
    const seq = Atomics.load(i32, cell);
    const dif = (seq - pos) | 0;
    if (dif === 0) {
      const seen = Atomics.compareExchange(i32, tailAt, pos, (pos + 1) | 0);
      if (seen === pos) break;
      pos = seen;
    } else if (dif < 0) {
      // full: wait for a consumer to free this cell
      Atomics.wait(i32, cell, seq, 1);
      pos = Atomics.load(i32, tailAt);
    } else {
      pos = Atomics.load(i32, tailAt);
    }
  }
  i32[cell + 1] = kind;
  i32[cell + 2] = target;
  i32[cell + 3] = arg;
  const a0 = (cell + 4) >>> 1;
  for (let k = 0; k < args.length; k++) f64[a0 + k] = args[k];
  Atomics.store(i32, cell, (pos + 1) | 0);
}

/** Is anything in the ring? (a plain read: a hint, checked again by take) */
export function injectPending(i32: Int32Array, ring: number): boolean {
  return i32[word(ring, HEAD)] !== i32[word(ring, TAIL)];
}

/**
 * Take the oldest record into `out` (out.kind 0 when the ring is empty). `release(out)` must
 * follow once the record's arguments have been read, to give the cell back.
 */
export function take(i32: Int32Array, ring: number, out: Injected): void {
  const headAt = word(ring, HEAD);
  let pos = Atomics.load(i32, headAt);
  for (;;) {
    const cell = cellWord(ring, (pos >>> 0) % INJECT_CAP);
    const seq = Atomics.load(i32, cell);
    const dif = (seq - ((pos + 1) | 0)) | 0;
    if (dif === 0) {
      const seen = Atomics.compareExchange(i32, headAt, pos, (pos + 1) | 0);
      if (seen === pos) {
        out.kind = i32[cell + 1];
        out.target = i32[cell + 2];
        out.arg = i32[cell + 3];
        out.args = (cell + 4) >>> 1;
        out.cell = cell;
        out.pos = pos;
        return;
      }
      pos = seen;
    } else if (dif < 0) {
      out.kind = 0;
      return;
    } else {
      pos = Atomics.load(i32, headAt);
    }
  }
}

/** Give back the cell of record `r` (after its arguments were read): a waiting producer may use it. */
export function release(i32: Int32Array, r: Injected): void {
  Atomics.store(i32, r.cell, (r.pos + INJECT_CAP) | 0);
  Atomics.notify(i32, r.cell);
}
