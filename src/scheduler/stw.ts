// Stop-the-world: a worker that needs the heap to itself (to collect) raises Meta.STW_REQ and
// waits until every other active worker has parked at a safepoint; it works; it releases them.
//
// Invariants:
//   - A worker touches the heap only while counted in Meta.ACTIVE and not parked here. An idle
//     worker is not active, so a stop never waits for it (it parks at its safepoint on return).
//   - Safepoints are: an allocation (the arena's safepointHook), a spent budget, and every pass
//     of the worker loop. Before parking, a worker publishes its temporary roots and gives up its
//     allocation buffer (WorkerHooks.stwPark), so the collector sees everything it holds.
//   - The release happens in two steps: every parked worker leaves (REQ = RELEASING) before the
//     next stop can begin (REQ = 0), so no worker is counted as parked while it runs again.
//   - A worker counts itself in STW_PARKED only for a stop it saw STOPPING (parkForStw).
import type { Arena } from '../heap/arena';
import { Meta, STW_RELEASING, STW_STOPPING } from '../heap/layout';

/** What a worker does around a stop-the-world it is parked for (set by the runtime). */
export interface StwHooks {
  /** about to park: publish temporaries, give up the allocation buffer */
  stwPark(): void;
  /** leaving the park */
  stwUnpark(): void;
}

/**
 * Run `work` with every other worker parked at a safepoint. If another worker is already
 * stopping the world, park for it instead and return false (the caller retries).
 */
export function stopTheWorld(arena: Arena, hooks: StwHooks, work: () => void): boolean {
  const i32 = arena.i32;
  if (Atomics.compareExchange(i32, Meta.STW_REQ, 0, STW_STOPPING) !== 0) {
    parkForStw(arena, hooks);
    return false;
  }
  for (;;) {
    const parked = Atomics.load(i32, Meta.STW_PARKED);
    const active = Atomics.load(i32, Meta.ACTIVE);
    if (parked >= active - 1) break;
    Atomics.wait(i32, Meta.STW_PARKED, parked, 5);
  }
  try {
    work();
  } finally {
    Atomics.store(i32, Meta.STW_REQ, STW_RELEASING);
    Atomics.notify(i32, Meta.STW_REQ);
    for (let p = Atomics.load(i32, Meta.STW_PARKED); p > 0; p = Atomics.load(i32, Meta.STW_PARKED)) {
      Atomics.wait(i32, Meta.STW_PARKED, p, 5);
    }
    Atomics.store(i32, Meta.STW_REQ, 0);
  }
  return true;
}

/** A safepoint: if a stop-the-world is requested, wait here until it is over. A plain read:
 * a stale 0 only delays the stop until the next safepoint (the stopping worker counted this
 * one in Meta.ACTIVE and waits for it). Not for a worker that has just joined ACTIVE: see
 * safepointOnActivate. */
export function safepoint(arena: Arena, hooks: StwHooks): void {
  if (arena.i32[Meta.STW_REQ] === STW_STOPPING) parkForStw(arena, hooks);
}

/**
 * The safepoint of a worker that has just counted itself in Meta.ACTIVE (starting, or back from
 * idle), before it touches the heap. A stopping worker that read ACTIVE before the increment is
 * not waiting for this one and may be collecting already; this worker is sure to see its
 * request only with a sequentially consistent read (Dekker's pattern: each side writes its own
 * word, then reads the other's, all seq-cst: the stopper CAS STW_REQ then loads ACTIVE, this
 * worker adds to ACTIVE then loads STW_REQ, so at least one of them sees the other). A plain
 * read may return a stale 0 and let the worker run fibers while the heap is swept.
 */
export function safepointOnActivate(arena: Arena, hooks: StwHooks): void {
  if (Atomics.load(arena.i32, Meta.STW_REQ) === STW_STOPPING) parkForStw(arena, hooks);
}

/**
 * Park for the stop under way. Only a stop still waiting for its workers counts this one: a
 * worker that meets a stop being released (its request came too late, or a stale read) goes on
 * without counting itself. A count added then would outlive the release (the stopper sees
 * STW_PARKED at 0 and clears the request before it lands) and the next stop would take it for a
 * worker parked: it would collect while this worker still runs. A worker counted in
 * Meta.ACTIVE that reads STOPPING (seq-cst) can count itself safely: that stop waits for
 * every active worker, so it cannot end before the count lands.
 */
function parkForStw(arena: Arena, hooks: StwHooks): void {
  const i32 = arena.i32;
  if (Atomics.load(i32, Meta.STW_REQ) !== STW_STOPPING) return;
  hooks.stwPark();
  Atomics.add(i32, Meta.STW_PARKED, 1);
  Atomics.notify(i32, Meta.STW_PARKED);
  while (Atomics.load(i32, Meta.STW_REQ) === STW_STOPPING) Atomics.wait(i32, Meta.STW_REQ, STW_STOPPING, 20);
  Atomics.sub(i32, Meta.STW_PARKED, 1);
  Atomics.notify(i32, Meta.STW_PARKED);
  hooks.stwUnpark();
  arena.refreshViews();
}
