// A FIFO of fibers kept as a list of batches, for the lists several workers share under a lock:
// the global run queue and the shared list of dead fibers.
//
// A batch is a chain of fibers linked through F.NEXT (the last has NEXT = 0); its first fiber
// also holds the batch's length (F.BATCH_LEN) and the next batch (F.BATCH_NEXT). A list is two
// meta words, the first and the last batch. Pushing or taking a whole batch is O(1), so a worker
// holding the lock never walks a chain of fibers that another worker just wrote (a cache miss
// per fiber): it walks the chain after it has let go.
import { F, fw } from './fiber';

/** Append the batch `first` (a chain of `n` fibers, already linked through F.NEXT). */
export function pushBatch(i32: Int32Array, head: number, tail: number, first: number, n: number): void {
  i32[fw(first, F.BATCH_LEN)] = n;
  i32[fw(first, F.BATCH_NEXT)] = 0;
  const last = i32[tail];
  if (last === 0) i32[head] = first;
  else i32[fw(last, F.BATCH_NEXT)] = first;
  i32[tail] = first;
}

/** Take the first whole batch: its first fiber (F.BATCH_LEN says how many), or 0 when empty. */
export function takeBatch(i32: Int32Array, head: number, tail: number): number {
  const first = i32[head];
  if (first === 0) return 0;
  const next = i32[fw(first, F.BATCH_NEXT)];
  i32[head] = next;
  if (next === 0) i32[tail] = 0;
  return first;
}

/** Take one fiber: the first of the first batch (the rest of that batch stays first). */
export function takeOne(i32: Int32Array, head: number, tail: number): number {
  const first = i32[head];
  if (first === 0) return 0;
  const n = i32[fw(first, F.BATCH_LEN)];
  if (n === 1) return takeBatch(i32, head, tail);
  const rest = i32[fw(first, F.NEXT)];
  i32[fw(rest, F.BATCH_LEN)] = n - 1;
  i32[fw(rest, F.BATCH_NEXT)] = i32[fw(first, F.BATCH_NEXT)];
  i32[head] = rest;
  if (i32[tail] === first) i32[tail] = rest;
  i32[fw(first, F.NEXT)] = 0;
  return first;
}

/**
 * Take the first fiber of the k-th batch (for --seed's random pick, where every batch holds one
 * fiber: a fiber on its own is pushed as a batch of one).
 */
export function takeAt(i32: Int32Array, head: number, tail: number, k: number): number {
  let prev = 0;
  let b = i32[head];
  for (; k > 0 && i32[fw(b, F.BATCH_NEXT)] !== 0; k--) {
    prev = b;
    b = i32[fw(b, F.BATCH_NEXT)];
  }
  if (prev === 0) return takeOne(i32, head, tail);
  const n = i32[fw(b, F.BATCH_LEN)];
  const after = i32[fw(b, F.BATCH_NEXT)];
  if (n === 1) {
    i32[fw(prev, F.BATCH_NEXT)] = after;
    if (after === 0) i32[tail] = prev;
    return b;
  }
  const rest = i32[fw(b, F.NEXT)];
  i32[fw(rest, F.BATCH_LEN)] = n - 1;
  i32[fw(rest, F.BATCH_NEXT)] = after;
  i32[fw(prev, F.BATCH_NEXT)] = rest;
  if (after === 0) i32[tail] = rest;
  i32[fw(b, F.NEXT)] = 0;
  return b;
}
