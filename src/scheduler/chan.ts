// Channels (Go's runtime/chan.go, in Asthra's terms). A CHAN block in the shared arena:
//   f64 slot 0   BUF: the buffer, an ARRAY block of CAP slots of the element kind (0 when CAP is 0);
//                the collector traces it like any array
//   int32 words (C): LOCK, CLOSED, CAP, COUNT (values buffered), HEAD (index of the oldest),
//                RECVQ (head, tail), SENDQ (head, tail): queues of waiter records (waiter.ts),
//                FN and PC of the CHAN_NEW that made it (for deadlock reports)
//   header aux   the element kind (0 number, 1 reference)
// Invariants (chan.go's, which hold here for the same reasons):
//   - At least one of RECVQ and SENDQ is empty, except for records of a select that waits to
//     send and to receive on the same channel.
//   - RECVQ is non-empty only while COUNT is 0 (a value arriving goes to a waiting receiver
//     first); SENDQ is non-empty only while COUNT is CAP (a sender waits only for room).
//   - Everything above changes under LOCK (with several workers; with one, nothing else runs).
//   - A record is taken off a queue only by whoever holds LOCK; a waker claims the record's
//     fiber (park.ts) before it completes the operation, and skips a record whose fiber it
//     cannot claim (a cancelled task, or a select that another arm already won).
// A parked send or receive keeps its operands on the fiber's stack and resumes at the same
// instruction, which then reads how its wait ended from its own record's DONE: so a parked
// sender's value stays reachable (the stack map covers it) until a receiver has copied it from
// the sender's stack (W.ELEM), and a receiver's value arrives in its record's VALUE slot.
import type { Arena } from '../heap/arena';
import { HDR_AUX, HEADER_BYTES, Tag } from '../heap/layout';
import { lock, unlock } from '../heap/lock';
import { WaitKind } from './fiber';
import type { Parking } from './park';
import { Done, W, dequeue, enqueue, ownWaiter, prepareWaiter, queued, unlink, waiterFiber, waiterValue, ww } from './waiter';

export const enum C {
  LOCK = 0,
  CLOSED = 1,
  CAP = 2,
  COUNT = 3,
  HEAD = 4,
  RECVQ = 5, // RECVQ + 1: its tail
  SENDQ = 7, // SENDQ + 1: its tail
  FN = 9,
  PC = 10,
}
const CHAN_WORDS = 11;
/** Bytes before the words: the BUF slot. */
const WORDS_AT = 8;

/** What CHAN_SEND pushes. */
export const enum SendStatus {
  Sent = 0,
  Closed = 1,
  Cancelled = 2,
}

/** The largest capacity a channel may have. */
export const MAX_CHAN_CAP = 1 << 26;

export function cw(ch: number, c: C): number {
  return ((ch + HEADER_BYTES + WORDS_AT) >>> 2) + c;
}

/** f64 index of a channel's BUF slot. */
function bufSlot(ch: number): number {
  return (ch + HEADER_BYTES) >>> 3;
}

/** A new channel of `cap` slots of elements of `kind`, made by instruction (fn, pc). */
export function newChannel(arena: Arena, cap: number, kind: number, fn: number, pc: number): number {
  const buf = cap > 0 ? arena.alloc(Tag.ARRAY, cap * 8, kind) : 0;
  arena.tempRoots.push(buf);
  const ch = arena.alloc(Tag.CHAN, WORDS_AT + CHAN_WORDS * 4, kind);
  arena.tempRoots.pop();
  const i32 = arena.i32;
  arena.f64[bufSlot(ch)] = buf;
  i32[cw(ch, C.CAP)] = cap;
  i32[cw(ch, C.FN)] = fn;
  i32[cw(ch, C.PC)] = pc;
  return ch;
}

export function chanKind(i32: Int32Array, ch: number): number {
  return i32[(ch >>> 2) + HDR_AUX];
}

/** The channel operations of one worker (its door decides every wake-up). */
export class Channels {
  /** what the last receive got (its value, and 1 for a value or 0 for closed) */
  value = 0;
  ok = 0;

  constructor(readonly door: Parking) {}

  private get arena(): Arena {
    return this.door.arena;
  }

  lock(ch: number): void {
    if (this.door.mt) lock(this.arena.i32, cw(ch, C.LOCK));
  }

  unlock(ch: number): void {
    if (this.door.mt) unlock(this.arena.i32, cw(ch, C.LOCK));
  }

  len(ch: number): number {
    return this.door.mt ? Atomics.load(this.arena.i32, cw(ch, C.COUNT)) : this.arena.i32[cw(ch, C.COUNT)];
  }

  cap(ch: number): number {
    return this.arena.i32[cw(ch, C.CAP)];
  }

  /**
   * Send the value at f64 index `slot` on `ch` for `fiber`: a SendStatus, or -1 when the fiber
   * parked (it re-executes the send when woken, and this returns how the wait ended).
   */
  send(fiber: number, ch: number, slot: number): number {
    const i32 = this.arena.i32;
    const own = ownWaiter(this.arena.i32, fiber);
    const done = i32[ww(own, W.DONE)];
    if (done !== Done.Waiting) {
      i32[ww(own, W.DONE)] = Done.Waiting;
      return done === Done.Completed ? SendStatus.Sent : done === Done.Closed ? SendStatus.Closed : SendStatus.Cancelled;
    }
    if (this.door.cancelled(fiber)) return SendStatus.Cancelled;
    this.lock(ch);
    const r = this.trySend(ch, this.arena.f64[slot]);
    if (r >= 0) {
      this.unlock(ch);
      return r;
    }
    this.door.park(fiber, WaitKind.Send, ch);
    prepareWaiter(i32, own, ch, WaitKind.Send, -1, slot);
    enqueue(i32, cw(ch, C.SENDQ), own);
    this.unlock(ch);
    return -1;
  }

  /**
   * Under the channel's lock: send `v` now if it can go (to a waiting receiver, into the
   * buffer, or nowhere because the channel is closed): a SendStatus, or -1 (it must wait).
   */
  trySend(ch: number, v: number): number {
    const a = this.arena;
    const i32 = a.i32;
    if (i32[cw(ch, C.CLOSED)] !== 0) return SendStatus.Closed;
    for (let w = dequeue(i32, cw(ch, C.RECVQ)); w !== 0; w = dequeue(i32, cw(ch, C.RECVQ))) {
      const f = waiterFiber(i32, w);
      if (!this.door.claim(f)) continue;
      a.f64[waiterValue(w)] = v;
      i32[ww(w, W.DONE)] = Done.Completed;
      this.door.ready(f);
      return SendStatus.Sent;
    }
    const count = i32[cw(ch, C.COUNT)];
    const cap = i32[cw(ch, C.CAP)];
    if (count < cap) {
      const buf = a.f64[bufSlot(ch)];
      const at = (i32[cw(ch, C.HEAD)] + count) % cap;
      a.f64[((buf + HEADER_BYTES) >>> 3) + at] = v;
      this.setCount(ch, count + 1);
      return SendStatus.Sent;
    }
    return -1;
  }

  private setCount(ch: number, n: number): void {
    if (this.door.mt) Atomics.store(this.arena.i32, cw(ch, C.COUNT), n);
    else this.arena.i32[cw(ch, C.COUNT)] = n;
  }

  /**
   * Receive from `ch` for `fiber`: true with the result in `value` and `ok`, or false when the
   * fiber parked (it re-executes the receive when woken).
   */
  recv(fiber: number, ch: number): boolean {
    const a = this.arena;
    const i32 = a.i32;
    const own = ownWaiter(this.arena.i32, fiber);
    const done = i32[ww(own, W.DONE)];
    if (done !== Done.Waiting) {
      i32[ww(own, W.DONE)] = Done.Waiting;
      const at = waiterValue(own);
      this.value = done === Done.Completed ? a.f64[at] : 0;
      this.ok = done === Done.Completed ? 1 : 0;
      a.f64[at] = 0;
      return true;
    }
    if (this.door.cancelled(fiber)) {
      // a cancelled task sees every channel closed
      this.value = 0;
      this.ok = 0;
      return true;
    }
    this.lock(ch);
    if (this.tryRecv(ch)) {
      this.unlock(ch);
      return true;
    }
    this.door.park(fiber, WaitKind.Recv, ch);
    // ELEM of a receive: the element kind, so the collector knows what VALUE holds
    prepareWaiter(i32, own, ch, WaitKind.Recv, -1, chanKind(i32, ch));
    a.f64[waiterValue(own)] = 0;
    enqueue(i32, cw(ch, C.RECVQ), own);
    this.unlock(ch);
    return false;
  }

  /**
   * Under the channel's lock: receive now if a value is there (buffered, or from a waiting
   * sender) or the channel is closed: true with `value` and `ok` set, or false (it must wait).
   */
  tryRecv(ch: number): boolean {
    const a = this.arena;
    const i32 = a.i32;
    const count = i32[cw(ch, C.COUNT)];
    if (count > 0) {
      const cap = i32[cw(ch, C.CAP)];
      const head = i32[cw(ch, C.HEAD)];
      const slots = (a.f64[bufSlot(ch)] + HEADER_BYTES) >>> 3;
      this.value = a.f64[slots + head];
      this.ok = 1;
      a.f64[slots + head] = 0;
      i32[cw(ch, C.HEAD)] = (head + 1) % cap;
      // the buffer had no room: its first waiting sender's value takes the freed slot
      const s = this.takeSender(ch);
      if (s !== 0) {
        a.f64[slots + ((head + count) % cap)] = a.f64[i32[ww(s, W.ELEM)]];
        this.completeSender(s);
      } else {
        this.setCount(ch, count - 1);
      }
      return true;
    }
    const s = this.takeSender(ch);
    if (s !== 0) {
      // unbuffered (or a select waiting to send): take the value from the sender's stack
      this.value = a.f64[i32[ww(s, W.ELEM)]];
      this.ok = 1;
      this.completeSender(s);
      return true;
    }
    if (i32[cw(ch, C.CLOSED)] !== 0) {
      this.value = 0;
      this.ok = 0;
      return true;
    }
    return false;
  }

  /** The first waiting sender whose fiber this worker could claim (off the queue), or 0. */
  private takeSender(ch: number): number {
    const i32 = this.arena.i32;
    for (let w = dequeue(i32, cw(ch, C.SENDQ)); w !== 0; w = dequeue(i32, cw(ch, C.SENDQ))) {
      if (this.door.claim(waiterFiber(i32, w))) return w;
    }
    return 0;
  }

  private completeSender(w: number): void {
    const i32 = this.arena.i32;
    i32[ww(w, W.DONE)] = Done.Completed;
    this.door.ready(waiterFiber(i32, w));
  }

  /** Close `ch`: 0, or 1 if it was closed already. Every waiting task wakes and sees it closed. */
  close(ch: number): number {
    const a = this.arena;
    const i32 = a.i32;
    this.lock(ch);
    if (i32[cw(ch, C.CLOSED)] !== 0) {
      this.unlock(ch);
      return 1;
    }
    if (this.door.mt) Atomics.store(i32, cw(ch, C.CLOSED), 1);
    else i32[cw(ch, C.CLOSED)] = 1;
    // take every record off both queues under the lock; wake the fibers after it
    const woken: number[] = [];
    for (const q of [C.RECVQ, C.SENDQ]) {
      for (let w = dequeue(i32, cw(ch, q)); w !== 0; w = dequeue(i32, cw(ch, q))) {
        const f = waiterFiber(i32, w);
        if (!this.door.claim(f)) continue;
        i32[ww(w, W.DONE)] = Done.Closed;
        if (q === C.RECVQ) a.f64[waiterValue(w)] = 0;
        woken.push(f);
      }
    }
    this.unlock(ch);
    for (const f of woken) this.door.ready(f);
    return 0;
  }

  /** Queue record `w` (prepared) to wait on `ch` in direction `kind` (Recv or Send), lock held. */
  enqueue(ch: number, w: number, kind: WaitKind): void {
    enqueue(this.arena.i32, cw(ch, kind === WaitKind.Recv ? C.RECVQ : C.SENDQ), w);
  }

  /** Take record `w` off `ch`'s queue (for its direction) if it is still there. */
  unlinkWaiter(ch: number, w: number): void {
    const i32 = this.arena.i32;
    this.lock(ch);
    if (queued(i32, w)) unlink(i32, cw(ch, i32[ww(w, W.KIND)] === WaitKind.Recv ? C.RECVQ : C.SENDQ), w);
    this.unlock(ch);
  }

  /** A canceller (or the parker itself) claimed `fiber`, parked on `ch`: off the queue, cancelled. */
  cancelWait(fiber: number, ch: number): void {
    const own = ownWaiter(this.arena.i32, fiber);
    this.unlinkWaiter(ch, own);
    this.arena.i32[ww(own, W.DONE)] = Done.Cancelled;
  }
}
