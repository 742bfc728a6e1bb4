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
  return chanWords(ch) + c;
}

/** int32 index of a channel's first word (LOCK): word c is at chanWords(ch) + c. */
function chanWords(ch: number): number {
  return (ch + HEADER_BYTES + WORDS_AT) >>> 2;
}

/** f64 index of the BUF slot of the channel whose words start at `c` (the 8 bytes before them). */
function bufAt(c: number): number {
  return (c >>> 1) - 1;
}

/** A new channel of `cap` slots of elements of `kind`, made by instruction (fn, pc). */
export function newChannel(arena: Arena, cap: number, kind: number, fn: number, pc: number): number {
  const buf = cap > 0 ? arena.alloc(Tag.ARRAY, cap * 8, kind) : 0;
  arena.tempRoots.push(buf);
  const ch = arena.alloc(Tag.CHAN, WORDS_AT + CHAN_WORDS * 4, kind);
  arena.tempRoots.pop();
  const i32 = arena.i32;
  arena.f64[bufAt(chanWords(ch))] = buf;
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
  /** what the last receive got (its value, and 1 for a value or 0 for closed); value starts
   * as a double so that V8 keeps the field as one (see vm/interpreter.ts AS_DOUBLE) */
  value = 0.5;
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
   * CHAN_SEND's first step, which never parks (so the interpreter need not save the fiber's
   * registers for it): a SendStatus when the send is over (the value went, the channel is
   * closed, the task is cancelled, or this is the re-run of a send whose wait ended), or -1
   * with the channel LOCKED: the fiber must wait, and parkSend queues it.
   */
  sendNow(fiber: number, ch: number, v: number): number {
    const i32 = this.arena.i32;
    const done = (ownWaiter(i32, fiber) >>> 2) + W.DONE;
    const how = i32[done];
    if (how !== Done.Waiting) {
      i32[done] = Done.Waiting;
      return how === Done.Completed ? SendStatus.Sent : how === Done.Closed ? SendStatus.Closed : SendStatus.Cancelled;
    }
    if (this.door.cancelled(fiber)) return SendStatus.Cancelled;
    const c = chanWords(ch);
    if (this.door.mt) lock(i32, c + C.LOCK);
    const r = this.trySendAt(c, v);
    if (r >= 0 && this.door.mt) unlock(i32, c + C.LOCK);
    return r;
  }

  /**
   * sendNow for native code, which cannot park: -1 with the channel unlocked again, and the
   * interpreter runs the send again (where it may park). What a failed attempt changed (stale
   * receivers taken off the queue) a second attempt would have changed too.
   */
  sendOrLeave(fiber: number, ch: number, v: number): number {
    const r = this.sendNow(fiber, ch, v);
    if (r < 0 && this.door.mt) unlock(this.arena.i32, cw(ch, C.LOCK));
    return r;
  }

  /** After sendNow said -1 (the channel still locked): park `fiber` until a receiver takes the
   * value at f64 index `slot` (the fiber's stack), or the channel closes; then unlock. */
  parkSend(fiber: number, ch: number, slot: number): void {
    const i32 = this.arena.i32;
    const own = ownWaiter(i32, fiber);
    this.door.park(fiber, WaitKind.Send, ch);
    prepareWaiter(i32, own, ch, WaitKind.Send, -1, slot);
    const c = chanWords(ch);
    enqueue(i32, c + C.SENDQ, own);
    if (this.door.mt) unlock(i32, c + C.LOCK);
  }

  /**
   * Under the channel's lock: send `v` now if it can go (to a waiting receiver, into the
   * buffer, or nowhere because the channel is closed): a SendStatus, or -1 (it must wait).
   */
  trySend(ch: number, v: number): number {
    return this.trySendAt(chanWords(ch), v);
  }

  /** trySend, for the channel whose words start at int32 index `c`. */
  private trySendAt(c: number, v: number): number {
    const a = this.arena;
    const i32 = a.i32;
    if (i32[c + C.CLOSED] !== 0) return SendStatus.Closed;
    if (i32[c + C.RECVQ] !== 0) {
      for (let w = dequeue(i32, c + C.RECVQ); w !== 0; w = dequeue(i32, c + C.RECVQ)) {
        const f = waiterFiber(i32, w);
        if (!this.door.claim(f)) continue;
        a.f64[waiterValue(w)] = v;
        i32[ww(w, W.DONE)] = Done.Completed;
        this.door.ready(f);
        return SendStatus.Sent;
      }
    }
    const count = i32[c + C.COUNT];
    const cap = i32[c + C.CAP];
    if (count < cap) {
      let at = i32[c + C.HEAD] + count;
      if (at >= cap) at -= cap;
      a.f64[((a.f64[bufAt(c)] + HEADER_BYTES) >>> 3) + at] = v;
      this.setCount(c, count + 1);
      return SendStatus.Sent;
    }
    return -1;
  }

  /**
   * Values buffered in the channel whose words start at `c`, written under LOCK. A plain store:
   * the unlock that follows (an atomic read-modify-write) publishes it to the next holder, and
   * the one reader without the lock, len, is a snapshot that may be stale anyway (as Go's
   * len(ch) is). An Atomics.store here was a fenced write per send and per receive, 9% of the
   * buffered benchmark's time on two workers.
   */
  private setCount(c: number, n: number): void {
    this.arena.i32[c + C.COUNT] = n;
  }

  /**
   * CHAN_RECV's first step, which never parks: true when the receive is over, with the result
   * in `value` and `ok` (a value; the channel closed and drained; the task cancelled; or the
   * re-run of a receive whose wait ended), or false with the channel LOCKED: the fiber must
   * wait, and parkRecv queues it.
   */
  recvNow(fiber: number, ch: number): boolean {
    const a = this.arena;
    const i32 = a.i32;
    const own = ownWaiter(i32, fiber);
    const done = (own >>> 2) + W.DONE;
    const how = i32[done];
    if (how !== Done.Waiting) {
      i32[done] = Done.Waiting;
      const at = waiterValue(own);
      this.value = how === Done.Completed ? a.f64[at] : 0;
      this.ok = how === Done.Completed ? 1 : 0;
      a.f64[at] = 0;
      return true;
    }
    if (this.door.cancelled(fiber)) {
      // a cancelled task sees every channel closed
      this.value = 0;
      this.ok = 0;
      return true;
    }
    const c = chanWords(ch);
    if (this.door.mt) lock(i32, c + C.LOCK);
    if (this.tryRecvAt(c)) {
      if (this.door.mt) unlock(i32, c + C.LOCK);
      return true;
    }
    return false;
  }

  /** recvNow for native code, as sendOrLeave: false with the channel unlocked again. */
  recvOrLeave(fiber: number, ch: number): boolean {
    if (this.recvNow(fiber, ch)) return true;
    if (this.door.mt) unlock(this.arena.i32, cw(ch, C.LOCK));
    return false;
  }

  /** After recvNow said false (the channel still locked): park `fiber` until a value or the
   * close arrives in its record; then unlock. */
  parkRecv(fiber: number, ch: number): void {
    const a = this.arena;
    const i32 = a.i32;
    const own = ownWaiter(i32, fiber);
    this.door.park(fiber, WaitKind.Recv, ch);
    // ELEM of a receive: the element kind, so the collector knows what VALUE holds
    prepareWaiter(i32, own, ch, WaitKind.Recv, -1, chanKind(i32, ch));
    a.f64[waiterValue(own)] = 0;
    const c = chanWords(ch);
    enqueue(i32, c + C.RECVQ, own);
    if (this.door.mt) unlock(i32, c + C.LOCK);
  }

  /**
   * Under the channel's lock: receive now if a value is there (buffered, or from a waiting
   * sender) or the channel is closed: true with `value` and `ok` set, or false (it must wait).
   */
  tryRecv(ch: number): boolean {
    return this.tryRecvAt(chanWords(ch));
  }

  /** tryRecv, for the channel whose words start at int32 index `c`. */
  private tryRecvAt(c: number): boolean {
    const a = this.arena;
    const i32 = a.i32;
    const f64 = a.f64;
    const count = i32[c + C.COUNT];
    if (count > 0) {
      const cap = i32[c + C.CAP];
      const head = i32[c + C.HEAD];
      const slots = (f64[bufAt(c)] + HEADER_BYTES) >>> 3;
      this.value = f64[slots + head];
      this.ok = 1;
      f64[slots + head] = 0;
      i32[c + C.HEAD] = head + 1 === cap ? 0 : head + 1;
      // the buffer had no room: its first waiting sender's value takes the freed slot
      const s = i32[c + C.SENDQ] === 0 ? 0 : this.takeSender(c);
      if (s !== 0) {
        f64[slots + ((head + count) % cap)] = f64[i32[ww(s, W.ELEM)]];
        this.completeSender(s);
      } else {
        this.setCount(c, count - 1);
      }
      return true;
    }
    const s = i32[c + C.SENDQ] === 0 ? 0 : this.takeSender(c);
    if (s !== 0) {
      // unbuffered (or a select waiting to send): take the value from the sender's stack
      this.value = f64[i32[ww(s, W.ELEM)]];
      this.ok = 1;
      this.completeSender(s);
      return true;
    }
    if (i32[c + C.CLOSED] !== 0) {
      this.value = 0;
      this.ok = 0;
      return true;
    }
    return false;
  }

  /** The first waiting sender (of the channel whose words start at `c`) whose fiber this worker
   * could claim (off the queue), or 0. */
  private takeSender(c: number): number {
    const i32 = this.arena.i32;
    for (let w = dequeue(i32, c + C.SENDQ); w !== 0; w = dequeue(i32, c + C.SENDQ)) {
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
