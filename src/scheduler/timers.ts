// A worker's timers: a binary heap of (when, fiber, park) entries in the worker's own memory
// (Go's per-P timer heap in time.go). Only the owning worker touches it.
//
// Removal is lazy, as Go's deltimer is: a fiber parked with a timer (a sleep, a select with
// `after`) can be woken first by something else on any worker (a cancellation, another arm).
// That claim (park.ts) uncounts it from Meta.SLEEPERS at once, so the deadlock check, which
// reads SLEEPERS, is exact; the entry stays here, stale: an entry is live only while its fiber is
// still in the park the entry names (F.WAKE === seq). Stale entries are dropped when they reach
// the top of the heap (fire, dropStale), so they never wake a fiber or set how long an idle
// worker sleeps.
import { F, fw } from './fiber';

interface Timer {
  at: number;
  /** insertion order: entries due at the same time fire in the order they were added */
  order: number;
  fiber: number;
  /** the park it wakes (F.PARK_SEQ when it was added) */
  seq: number;
}

export class Timers {
  private heap: Timer[] = [];
  private order = 0;

  get length(): number {
    return this.heap.length;
  }

  /** Wake `fiber` from park `seq` at time `at` (performance.now() milliseconds). */
  add(at: number, fiber: number, seq: number): void {
    const h = this.heap;
    h.push({ at, order: this.order++, fiber, seq });
    this.up(h.length - 1);
  }

  /** Is an entry due at `now`? (stale ones too: firing them drops them) */
  due(now: number): boolean {
    return this.heap.length > 0 && this.heap[0].at <= now;
  }

  /** When the earliest entry is due, or Infinity. */
  nextAt(): number {
    return this.heap.length > 0 ? this.heap[0].at : Infinity;
  }

  /** Take every entry due at `now`, calling `fire(fiber, seq)` for each (which claims the park, or finds it stale). */
  fire(now: number, fire: (fiber: number, seq: number) => void): void {
    const h = this.heap;
    while (h.length > 0 && h[0].at <= now) {
      const t = this.removeAt(0);
      fire(t.fiber, t.seq);
    }
  }

  /** Drop stale entries from the top (their parks ended otherwise), so nextAt is a live one's. */
  dropStale(i32: Int32Array): void {
    const h = this.heap;
    while (h.length > 0 && i32[fw(h[0].fiber, F.WAKE)] !== h[0].seq) this.removeAt(0);
  }

  /** Forget every entry (all stale: no fiber anywhere waits on a timer). */
  clear(): void {
    this.heap.length = 0;
  }

  private removeAt(i: number): Timer {
    const h = this.heap;
    const t = h[i];
    const last = h.pop()!;
    if (i < h.length) {
      h[i] = last;
      this.down(i);
      this.up(i);
    }
    return t;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (before(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
