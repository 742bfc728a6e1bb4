// `select`: wait for the first of several channel operations, task ends and a timeout (Go's
// runtime/select.go). The SELECT instruction's operands sit on the fiber's stack in arm order
// (the ISA's arm codes, bytecode/opcodes.ts SELECT_ARMS and selectArmPops, say what each arm
// pops); a select that parks resumes at the same instruction with them still there.
//
// The steps, as selectgo takes them:
//   1. Lock every channel and handle involved, in address order (so two selects over the same
//      objects cannot deadlock each other; nothing else holds two of these locks at once).
//   2. Look at the arms in a random order (a Fisher-Yates shuffle from the worker's generator,
//      seeded by --seed): the first arm that can complete now does, so among ready arms each is
//      chosen with equal chance and none starves.
//   3. Nothing ready: with `default`, run it. Otherwise queue one waiter record per waiting arm
//      (the fiber's own record and WAITER blocks, made before any lock is taken: an allocation
//      may stop the world), park once for all of them, with a timer for `after`, and unlock.
//   4. Whoever completes an arm first claims the fiber (park.ts: exactly one waker wins) and
//      marks that arm's record DONE. Woken, the fiber runs the instruction again: it takes every
//      other record off its queue and reports the arm that won. No record marked means the timer
//      fired (the `after` arm) or the task was cancelled.
// A cancelled task's select sees every channel arm ready as if closed (a receive gets nothing,
// a send gets "task cancelled") and its `after` ready at once; one of those is chosen at random.
import type { Arena } from '../heap/arena';
import { lock, unlock } from '../heap/lock';
import { MAX_SELECT_ARMS, selectArmPops } from '../bytecode/opcodes';
import { Tag } from '../heap/layout';
import { C, Channels, SendStatus, cw } from './chan';
import { F, WaitKind, fw } from './fiber';
import { H, TaskState, handleResultSlot, hw, unlinkHandleWaiter } from './handle';
import type { Parking } from './park';
import { Done, W, enqueue, newWaiter, ownWaiter, prepareWaiter, waiterValue, ww } from './waiter';

const RECV_N = 99; // 'c'
const RECV_R = 67; // 'C'
const SEND_N = 115; // 's'
const SEND_R = 83; // 'S'
const AWAIT_N = 119; // 'w'
const AWAIT_R = 87; // 'W'
const AFTER = 116; // 't'
const DEFAULT = 100; // 'd'

export class Selector {
  /** the arm that ran, and what it produced (SELECT pushes these four) */
  arm = 0;
  /** doubles from the start, so that V8 keeps the fields as such (vm/interpreter.ts AS_DOUBLE) */
  num = 0.5;
  ref = 0.5;
  status = 0;
  private readonly order = new Int32Array(MAX_SELECT_ARMS);
  private readonly slot = new Int32Array(MAX_SELECT_ARMS);
  /** scratch for lockAll: the objects in address order, the lock words held, how many */
  private readonly objs = new Float64Array(MAX_SELECT_ARMS);
  private readonly locks = new Int32Array(MAX_SELECT_ARMS);
  private held = 0;

  /** where the operands are read: the arena (at the fiber's stack), or native code's values */
  private src: Float64Array;

  constructor(
    readonly door: Parking,
    readonly chans: Channels,
    /** the worker's generator: below(n), a pseudo-random number below n, and its state */
    private readonly rng: { below(n: number): number; draws: number },
    private readonly addTimer: (at: number, fiber: number, seq: number) => void,
  ) {
    this.src = door.arena.f64;
  }

  private get arena(): Arena {
    return this.door.arena;
  }

  private below(n: number): number {
    return this.rng.below(n);
  }

  /**
   * The select native code runs (no await arm), with its operands in `values` from index 0:
   * true with the result set when an arm completes now (or had completed, for a fiber woken
   * from a park here), or when `default` runs; false when it must wait, and nothing has
   * changed: the interpreter runs the select again, and parks. The draws of a look that found
   * nothing ready are taken back, so that --seed runs choose the same arms in both tiers.
   */
  selectNow(fiber: number, arms: string, values: Float64Array): boolean {
    const draws = this.rng.draws;
    try {
      if (this.lookNow(fiber, arms, values, 0, this.door.cancelled(fiber))) return true;
      this.rng.draws = draws;
      return false;
    } finally {
      this.src = this.arena.f64;
    }
  }

  /**
   * Run a select for `fiber` whose arm codes are `arms`, operands from f64 index `base`: true
   * with the result set, or false when the fiber parked (it runs the instruction again when woken).
   */
  select(fiber: number, arms: string, base: number): boolean {
    const cancelled = this.door.cancelled(fiber);
    if (this.lookNow(fiber, arms, this.arena.f64, base, cancelled)) return true;
    // nothing is ready: make the records without holding a lock, then look once more
    const first = this.makeRecords(fiber, arms);
    this.src = this.arena.f64;
    this.lockAll(arms);
    if (this.poll(arms, cancelled)) {
      this.unlockAll();
      return true;
    }
    this.park(fiber, arms, first);
    return false;
  }

  /**
   * What select and selectNow both do first, with the operands in `src` from index `base`: a
   * fiber woken from a park here reports the arm that won (step 4); else steps 1 and 2, or
   * `default`. True with the result set; false, every lock released, when the fiber must wait.
   */
  private lookNow(fiber: number, arms: string, src: Float64Array, base: number, cancelled: boolean): boolean {
    this.src = src;
    for (let i = 0, at = base; i < arms.length; i++) {
      this.slot[i] = at;
      at += selectArmPops(arms[i]).length;
    }
    // (a fiber woken by a cancellation with no arm it ends, only awaits, waits again)
    if (this.arena.i32[fw(fiber, F.SELECT)] !== 0 && this.resume(fiber, arms)) return true;
    this.lockAll(arms);
    const ready = this.poll(arms, cancelled);
    this.unlockAll();
    if (ready) return true;
    const dflt = arms.indexOf('d');
    if (dflt < 0) return false;
    this.result(dflt, 0, 0, 0);
    return true;
  }

  /** Step 2: the first ready arm in a random order completes now (locks held): true if one did. */
  private poll(arms: string, cancelled: boolean): boolean {
    const n = arms.length;
    const order = this.order;
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    const f64 = this.src;
    const i32 = this.arena.i32;
    for (let k = 0; k < n; k++) {
      const i = order[k];
      const code = arms.charCodeAt(i);
      const at = this.slot[i];
      switch (code) {
        case RECV_N: case RECV_R: {
          if (cancelled) return this.result(i, 0, 0, 0), true;
          if (this.chans.tryRecv(f64[at])) {
            const v = this.chans.value;
            this.result(i, code === RECV_N ? v : 0, code === RECV_R ? v : 0, this.chans.ok);
            return true;
          }
          break;
        }
        case SEND_N: case SEND_R: {
          if (cancelled) return this.result(i, 0, 0, SendStatus.Cancelled), true;
          const r = this.chans.trySend(f64[at], f64[at + 1]);
          if (r >= 0) return this.result(i, 0, 0, r), true;
          break;
        }
        case AWAIT_N: case AWAIT_R: {
          const h = f64[at];
          if (i32[hw(h, H.STATE)] !== TaskState.Running) return this.awaited(i, code, h), true;
          break;
        }
        case AFTER:
          if (cancelled || f64[at] <= 0) return this.result(i, 0, 0, 0), true;
          break;
      }
    }
    return false;
  }

  private result(arm: number, num: number, ref: number, status: number): void {
    this.arm = arm;
    this.num = num;
    this.ref = ref;
    this.status = status;
  }

  private awaited(arm: number, code: number, h: number): void {
    const v = this.arena.f64[handleResultSlot(h)];
    this.result(arm, code === AWAIT_N ? v : 0, code === AWAIT_R ? v : 0, 0);
  }

  /** One record per arm that waits on an object (not after, not default), linked by W.LINK. */
  private makeRecords(fiber: number, arms: string): number {
    const i32 = this.arena.i32;
    let first = 0;
    let last = 0;
    for (let i = 0; i < arms.length; i++) {
      const code = arms.charCodeAt(i);
      if (code === AFTER || code === DEFAULT) continue;
      const w = first === 0 ? ownWaiter(this.arena.i32, fiber) : newWaiter(this.arena, fiber);
      i32[ww(w, W.LINK)] = 0;
      i32[ww(w, W.CASE)] = i;
      if (first === 0) first = w;
      else i32[ww(last, W.LINK)] = w;
      last = w;
    }
    return first;
  }

  /** Step 3: queue every record and park once for all of them (locks held; released here). */
  private park(fiber: number, arms: string, first: number): void {
    const a = this.arena;
    const i32 = a.i32;
    const f64 = a.f64;
    const after = arms.indexOf('t');
    const seq = this.door.park(fiber, WaitKind.Select, first, after >= 0);
    i32[fw(fiber, F.SELECT)] = first;
    for (let w = first; w !== 0; w = i32[ww(w, W.LINK)]) {
      const i = i32[ww(w, W.CASE)];
      const code = arms.charCodeAt(i);
      const at = this.slot[i];
      const obj = f64[at];
      if (code === RECV_N || code === RECV_R) {
        prepareWaiter(i32, w, obj, WaitKind.Recv, i, code === RECV_R ? 1 : 0);
        a.f64[waiterValue(w)] = 0;
        this.chans.enqueue(obj, w, WaitKind.Recv);
      } else if (code === SEND_N || code === SEND_R) {
        prepareWaiter(i32, w, obj, WaitKind.Send, i, at + 1);
        this.chans.enqueue(obj, w, WaitKind.Send);
      } else {
        prepareWaiter(i32, w, obj, WaitKind.Task, i, 0);
        enqueue(i32, hw(obj, H.HEAD), w);
      }
    }
    this.unlockAll();
    if (after >= 0) this.addTimer(performance.now() + f64[this.slot[after]], fiber, seq);
  }

  /**
   * Step 4, woken: take the losing records off their queues and report the arm that won. False
   * when nothing won and the task was cancelled with no arm a cancellation ends.
   */
  private resume(fiber: number, arms: string): boolean {
    const a = this.arena;
    const i32 = a.i32;
    let winner = 0;
    for (let w = i32[fw(fiber, F.SELECT)]; w !== 0; w = i32[ww(w, W.LINK)]) {
      if (i32[ww(w, W.DONE)] !== Done.Waiting) {
        winner = w;
        continue;
      }
      const obj = i32[ww(w, W.OBJ)];
      if (obj === 0) continue;
      if (i32[ww(w, W.KIND)] === WaitKind.Task) unlinkHandleWaiter(this.door, obj, w);
      else this.chans.unlinkWaiter(obj, w);
    }
    i32[fw(fiber, F.SELECT)] = 0;
    if (winner !== 0) {
      const done = i32[ww(winner, W.DONE)];
      i32[ww(winner, W.DONE)] = Done.Waiting;
      const i = i32[ww(winner, W.CASE)];
      const code = arms.charCodeAt(i);
      if (code === RECV_N || code === RECV_R) {
        const v = done === Done.Completed ? a.f64[waiterValue(winner)] : 0;
        a.f64[waiterValue(winner)] = 0;
        this.result(i, code === RECV_N ? v : 0, code === RECV_R ? v : 0, done === Done.Completed ? 1 : 0);
      } else if (code === SEND_N || code === SEND_R) {
        this.result(i, 0, 0, done === Done.Completed ? SendStatus.Sent : done === Done.Closed ? SendStatus.Closed : SendStatus.Cancelled);
      } else {
        this.awaited(i, code, this.src[this.slot[i]]);
      }
      return true;
    }
    const after = arms.indexOf('t');
    if (!this.door.cancelled(fiber)) {
      // no arm completed and no cancellation: the timer fired
      this.result(after, 0, 0, 0);
      return true;
    }
    // cancelled: a channel arm (as closed) or the timeout, at random
    const ready: number[] = [];
    for (let i = 0; i < arms.length; i++) if ('cCsSt'.includes(arms[i])) ready.push(i);
    if (ready.length === 0) return false;
    const i = ready[this.below(ready.length)];
    const code = arms.charCodeAt(i);
    this.result(i, 0, 0, code === SEND_N || code === SEND_R ? SendStatus.Cancelled : 0);
    return true;
  }

  /** Step 1: every channel's and handle's lock, in address order, each once. */
  private lockAll(arms: string): void {
    if (!this.door.mt) return;
    const f64 = this.src;
    const i32 = this.arena.i32;
    // the objects, sorted by address in a scratch array (an insertion sort: at most 64 arms)
    const objs = this.objs;
    let n = 0;
    for (let i = 0; i < arms.length; i++) {
      const code = arms.charCodeAt(i);
      if (code === AFTER || code === DEFAULT) continue;
      const o = f64[this.slot[i]];
      let k = n++;
      for (; k > 0 && objs[k - 1] > o; k--) objs[k] = objs[k - 1];
      objs[k] = o;
    }
    const locks = this.locks;
    let held = 0;
    for (let k = 0; k < n; k++) {
      if (k > 0 && objs[k] === objs[k - 1]) continue;
      const o = objs[k];
      const word = (i32[o >>> 2] & 0xff) === Tag.CHAN ? cw(o, C.LOCK) : hw(o, H.LOCK);
      lock(i32, word);
      locks[held++] = word;
    }
    this.held = held;
  }

  private unlockAll(): void {
    if (!this.door.mt) return;
    const i32 = this.arena.i32;
    for (let k = this.held - 1; k >= 0; k--) unlock(i32, this.locks[k]);
    this.held = 0;
  }
}
