// Dead fibers are reused whole, stack included (Go's gFree lists), so a spawn usually
// allocates nothing. Each worker keeps a cache (Arena.deadFibers: the collector empties it on
// every thread, since the sweep may free what it holds); with several workers, batches move
// between the caches through a shared batch list (Meta.DEAD_FIBERS, under DEAD_LOCK), so a
// worker that only spawns reuses what another one finished.
// Nothing refers to a finished fiber (a mutex names its owner by task id, a handle drops its
// FIBER when the task ends, no waiter record of it is queued), so it may be reused at once.
import type { Arena } from '../heap/arena';
import { Meta } from '../heap/layout';
import { lock, unlock } from '../heap/lock';
import { stackSlot0, stackSlots } from './fiber';
import { pushBatch, takeBatch } from './batchlist';

/** Fibers per batch on the shared list. A batch's first fiber lists the others in its own
 * (unused) slots, so whoever takes it reads one block in order: at most 2 x TASK_STACK_SLOTS - 1. */
const DEAD_BATCH = 64;
/** Dead fibers a worker keeps for itself before it shares (a spawning worker reuses its own). */
const DEAD_KEEP = 512;
/** The largest stack (in slots) worth keeping with a dead fiber. */
const CACHE_MAX_SLOTS = 512;

export class DeadFibers {
  constructor(readonly arena: Arena, readonly mt: boolean) {}

  /** A dead fiber with room for `need` stack slots, or 0. */
  take(need: number): number {
    const a = this.arena;
    if (this.mt && a.deadFibers.length === 0 && Atomics.load(a.i32, Meta.DEAD_LEN) > 0) this.takeShared();
    for (const cache = a.deadFibers; cache.length > 0; ) {
      const f = cache.pop()!;
      if (stackSlots(a, f) >= need) return f;
    }
    return 0;
  }

  /** Keep a finished fiber for reuse (unless its stack grew too big to be worth it). */
  give(fiber: number): void {
    const a = this.arena;
    if (stackSlots(a, fiber) > CACHE_MAX_SLOTS) return;
    a.deadFibers.push(fiber);
    if (this.mt && a.deadFibers.length >= DEAD_KEEP + DEAD_BATCH) this.giveShared();
  }

  /** Move a batch of this worker's dead fibers to the shared list (listed before the lock). */
  private giveShared(): void {
    const a = this.arena;
    const i32 = a.i32;
    const first = a.deadFibers.pop()!;
    const list = stackSlot0(i32, first) * 2;
    for (let k = 0; k < DEAD_BATCH - 1; k++) i32[list + k] = a.deadFibers.pop()!;
    lock(i32, Meta.DEAD_LOCK);
    pushBatch(i32, Meta.DEAD_FIBERS, Meta.DEAD_TAIL, first, DEAD_BATCH);
    Atomics.add(i32, Meta.DEAD_LEN, DEAD_BATCH);
    unlock(i32, Meta.DEAD_LOCK);
  }

  /** Take a batch of dead fibers from the shared list into this worker's cache. */
  private takeShared(): void {
    const a = this.arena;
    const i32 = a.i32;
    lock(i32, Meta.DEAD_LOCK);
    const first = takeBatch(i32, Meta.DEAD_FIBERS, Meta.DEAD_TAIL);
    if (first !== 0) Atomics.sub(i32, Meta.DEAD_LEN, DEAD_BATCH);
    unlock(i32, Meta.DEAD_LOCK);
    if (first === 0) return;
    const list = stackSlot0(i32, first) * 2;
    for (let k = DEAD_BATCH - 2; k >= 0; k--) a.deadFibers.push(i32[list + k]);
    a.deadFibers.push(first);
  }
}
