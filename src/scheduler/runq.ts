// A worker's local run queue, in two parts (Go's runqput, runqget and runqgrab in proc.go, with
// the unpublished part made explicit):
//   - the RING: fiber references in a block of the shared arena, [HEAD, TAIL); only the owner
//     adds to it and any worker may take from it, without a lock. The owner publishes TAIL;
//     takers, the owner included, advance HEAD with a CAS;
//   - PEND: the newest fibers, in this worker's own memory, which no other worker can see. The
//     owner takes them last (they are newer than anything on the ring) with no atomic
//     instruction at all, and moves them to the ring when it publishes.
// Atomic instructions are the costliest part of a switch (a CAS or an atomic store is a call
// into a V8 builtin with a locked instruction: 12 ns each here, where a plain typed-array
// access takes under 1 ns), so the owner publishes only when another worker could use the
// fibers: when they are worth moving (see WORTH_NS), when it wakes an idle worker, and when
// PEND is full. Short fibers left on PEND wait at most one budget (a slice whose budget runs
// out ends when anything is queued on its worker). A worker running short tasks by itself uses
// no atomics for them.
// Also:
//   - the owner takes OWN_BATCH entries from the ring with one CAS and runs them from `own`;
//   - a thief leaves a queue with fewer than STEAL_MIN fibers alone until its oldest has waited
//     LONELY_MS, so it does not take a spawning worker's fibers one at a time as they appear.
// HEAD and TAIL are int32 counters that wrap; an index is a counter masked by LOCAL_MASK.
import type { Arena } from '../heap/arena';
import { HEADER_BYTES, Meta } from '../heap/layout';
import { F, fw } from './fiber';

/** Entries in a local run queue (a power of two: indices wrap with a mask). */
export const LOCAL_CAP = 256;
const LOCAL_MASK = LOCAL_CAP - 1;
/** int32 words of a local run queue block: HEAD and TAIL on cache lines of their own. */
const enum LQ {
  HEAD = 0, // next entry to take; advanced by CAS (owner or thief)
  TAIL = 16, // next free entry; written only by the owner
  COST = 17, // the share of the owner's sampled slices longer than WORTH_NS, 0..SHARE_ONE
  ENTRIES = 32,
}
export const LOCAL_QUEUE_BYTES = (LQ.ENTRIES + LOCAL_CAP) * 4;
/** Fibers the owner takes from its own queue with one CAS. */
const OWN_BATCH = 8;
/** The owner of fibers worth stealing publishes its new ones at least this often. */
const PUBLISH_EVERY = 16;
/** A queue with fewer fibers is robbed only after its oldest has waited LONELY_MS (see lonely). */
const STEAL_MIN = 8;
const LONELY_MS = 0.005;
/**
 * Moving a fiber to another worker moves the cache lines it lives on (2 or 3), and then again
 * when it is reused: about a microsecond on the 2-core machine this was tuned on (a cache-line
 * round trip between its cores takes 0.4 us). Fibers that run for less than WORTH_NS are cheaper
 * to run where they are, so their queue is robbed only when it is STUCK: its head has not moved
 * for STUCK_MS (its owner is busy with a long slice). Heavier fibers are stolen at once.
 */
const WORTH_NS = 2000;
const STUCK_MS = 0.2;
/**
 * Whether a queue's fibers are worth moving is a majority vote over its owner's sampled slices
 * (a moving average of 0 or SHARE_ONE per sample, not of the times): one long slice among many
 * short ones, such as a spawner's, does not make the short ones look worth moving.
 */
const SHARE_ONE = 1024;

export class LocalQueues {
  /** HEAD of this worker's ring as last read (it only grows, so a stale one errs towards "full"). */
  private seenHead = 0;
  /** this worker's TAIL (everything below it is published) */
  private tail = 0;
  /** PEND: pend[(pendAt + k) & LOCAL_MASK] for k < pendN, oldest first */
  private readonly pend = new Int32Array(LOCAL_CAP);
  private pendAt = 0;
  private pendN = 0;
  /** this worker's fibers are worth moving (its COST word says the same, for thieves) */
  private worth = true;
  /** fibers this worker took from the head of its own queue, to run next: own[ownAt..ownEnd) */
  private readonly own = new Int32Array(OWN_BATCH);
  private ownAt = 0;
  private ownEnd = 0;
  /** scratch for moving fibers: a steal's (it puts them here, which may spill), and a spill's */
  private readonly batch: number[] = [];
  private readonly spilling: number[] = [];
  /** fibers taken by the last successful steal */
  lastSteal = 0;
  /** per worker: its queue's HEAD when this worker first saw it, and when (see lonely) */
  private readonly seenAt: Int32Array;
  private readonly seenSince: Float64Array;

  constructor(
    private readonly arena: Arena,
    /** this worker's index, and the number of workers */
    readonly index: number,
    readonly workers: number,
    /** takes fibers from a full queue (its oldest), chained through F.NEXT: `n` fibers */
    private readonly overflow: (first: number, n: number) => void,
  ) {
    this.seenAt = new Int32Array(workers);
    this.seenSince = new Float64Array(workers);
  }

  /** int32 index of worker w's queue words. */
  private queue(w: number): number {
    return (this.arena.i32[Meta.LOCALQ0 + w] + HEADER_BYTES) >>> 2;
  }

  /** Start with the assumption that fibers are worth stealing (until the owner has measured). */
  init(): void {
    this.arena.i32[this.queue(this.index) + LQ.COST] = SHARE_ONE;
    this.worth = true;
  }

  /**
   * Count the run time of one slice of a fiber taken from this queue (a sample: the scheduler
   * times one slice in 64) in the queue's share of long slices, for thieves (see SHARE_ONE).
   */
  noteCost(ns: number): void {
    const i32 = this.arena.i32;
    const w = this.queue(this.index) + LQ.COST;
    const c = i32[w];
    const next = c + (((ns >= WORTH_NS ? SHARE_ONE : 0) - c) >> 3);
    i32[w] = next;
    this.worth = next >= SHARE_ONE >> 1;
  }

  /** Are this worker's fibers worth moving to an idle worker (see WORTH_NS)? */
  heavy(): boolean {
    return this.worth;
  }

  /** Queue a fiber here (on PEND: see the top of the file). */
  put(fiber: number): void {
    if (this.pendN === LOCAL_CAP) this.publish();
    this.pend[(this.pendAt + this.pendN) & LOCAL_MASK] = fiber;
    this.pendN++;
    if (this.worth && this.pendN >= PUBLISH_EVERY) this.publish();
  }

  /** Publish after a slice if the fibers waiting here are worth another worker's taking. */
  publishIfWorth(): void {
    if (this.worth && this.pendN > 0) this.publish();
  }

  /**
   * Move PEND to the ring and publish TAIL (an atomic store: the entries are written first).
   * When the ring has no room, its oldest fibers (at least half of it) go to the global queue
   * as one batch first.
   */
  publish(): void {
    const n = this.pendN;
    if (n === 0) return;
    const i32 = this.arena.i32;
    const q = this.queue(this.index);
    const t = this.tail;
    if (((t - this.seenHead) | 0) + n > LOCAL_CAP) this.seenHead = Atomics.load(i32, q + LQ.HEAD);
    while (((t - this.seenHead) | 0) + n > LOCAL_CAP) this.spill(i32, q, n);
    const pend = this.pend;
    for (let k = 0; k < n; k++) i32[q + LQ.ENTRIES + ((t + k) & LOCAL_MASK)] = pend[(this.pendAt + k) & LOCAL_MASK];
    this.pendAt = (this.pendAt + n) & LOCAL_MASK;
    this.pendN = 0;
    this.tail = (t + n) | 0;
    Atomics.store(i32, q + LQ.TAIL, this.tail);
  }

  /** Make room for `n` more on the ring: its oldest go to the global queue (see publish). */
  private spill(i32: Int32Array, q: number, n: number): void {
    const h = this.seenHead;
    const len = (this.tail - h) | 0;
    const m = Math.min(len, Math.max((len + 1) >> 1, len + n - LOCAL_CAP));
    const batch = this.spilling;
    for (let k = 0; k < m; k++) batch[k] = i32[q + LQ.ENTRIES + ((h + k) & LOCAL_MASK)];
    if (Atomics.compareExchange(i32, q + LQ.HEAD, h, (h + m) | 0) !== h) {
      this.seenHead = Atomics.load(i32, q + LQ.HEAD); // a thief took some: look again
      return;
    }
    // they are this worker's alone now: chain them
    this.seenHead = (h + m) | 0;
    for (let k = 1; k < m; k++) i32[fw(batch[k - 1], F.NEXT)] = batch[k];
    i32[fw(batch[m - 1], F.NEXT)] = 0;
    this.overflow(batch[0], m);
  }

  /** Take the oldest fiber of this worker's queue (the ring's, then PEND's), or 0. */
  get(): number {
    const own = this.own;
    if (this.ownAt < this.ownEnd) return own[this.ownAt++];
    const i32 = this.arena.i32;
    const q = this.queue(this.index);
    for (;;) {
      const h = i32[q + LQ.HEAD]; // plain: the CAS below checks it
      const n = Math.min((this.tail - h) | 0, OWN_BATCH);
      if (n <= 0) break;
      // read before the CAS; they are this worker's only if it succeeds
      for (let k = 0; k < n; k++) own[k] = i32[q + LQ.ENTRIES + ((h + k) & LOCAL_MASK)];
      if (Atomics.compareExchange(i32, q + LQ.HEAD, h, (h + n) | 0) === h) {
        this.ownAt = 1;
        this.ownEnd = n;
        return own[0];
      }
    }
    if (this.pendN === 0) return 0;
    const f = this.pend[this.pendAt];
    this.pendAt = (this.pendAt + 1) & LOCAL_MASK;
    this.pendN--;
    return f;
  }

  /** Fibers on worker w's queue (a snapshot; for another worker, those published). */
  len(w: number): number {
    const i32 = this.arena.i32;
    const q = this.queue(w);
    if (w !== this.index) return (Atomics.load(i32, q + LQ.TAIL) - Atomics.load(i32, q + LQ.HEAD)) | 0;
    return ((this.tail - i32[q + LQ.HEAD]) | 0) + this.pendN + this.ownEnd - this.ownAt;
  }

  /**
   * Steal half of another worker's queue, looking at them from worker `start` on: run the newest
   * of them (returned), queue the rest here. 0 when there was nothing to take.
   */
  steal(start: number): number {
    const i32 = this.arena.i32;
    const workers = this.workers;
    const batch = this.batch;
    for (let k = 0; k < workers; k++) {
      const w = (start + k) % workers;
      if (w === this.index || i32[Meta.LOCALQ0 + w] === 0) continue;
      const q = this.queue(w);
      for (;;) {
        const h = Atomics.load(i32, q + LQ.HEAD);
        const t = Atomics.load(i32, q + LQ.TAIL);
        let n = (t - h) | 0;
        if (n <= 0) break;
        if (i32[q + LQ.COST] < SHARE_ONE >> 1 ? !this.lonely(w, h, STUCK_MS) : n < STEAL_MIN && !this.lonely(w, h, LONELY_MS)) break;
        n -= n >> 1;
        if (n > LOCAL_CAP >> 1) continue; // read HEAD and TAIL at different moments: again
        for (let j = 0; j < n; j++) batch[j] = i32[q + LQ.ENTRIES + ((h + j) & LOCAL_MASK)];
        if (Atomics.compareExchange(i32, q + LQ.HEAD, h, (h + n) | 0) !== h) continue;
        for (let j = 0; j < n - 1; j++) this.put(batch[j]);
        this.lastSteal = n;
        return batch[n - 1];
      }
    }
    return 0;
  }

  /**
   * Has worker w's queue head stayed at `h` for `ms`? A queue holding only a few fibers, or
   * fibers too short to be worth moving, is robbed only then: a worker that is spawning fills
   * its queue quickly, and taking its fibers one or two at a time as they appear costs a
   * cross-thread transfer each time (that was most of the time of 1M spawns on 2 workers); a
   * queue whose owner is busy elsewhere is taken soon enough.
   */
  private lonely(w: number, h: number, ms: number): boolean {
    const now = performance.now();
    if (this.seenAt[w] !== h || this.seenSince[w] === 0) {
      this.seenAt[w] = h;
      this.seenSince[w] = now;
      return false;
    }
    return now - this.seenSince[w] >= ms;
  }
}
