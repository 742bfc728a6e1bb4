// Blocking C calls, as the threads that run them record them (src/ffi/thread.ts): a log in a
// SharedArrayBuffer of its own, since those threads are not workers (they never touch the
// arena's run queues or allocate in it, and have no buffer that anyone collects at exit).
//
// Layout: int32 word 0 is the number of records claimed (Atomics.add, so any thread may log),
// word 1 numbers the threads that logged (each takes a number the first time it logs); then
// CALL_CAP records of CALL_WORDS float64s: thread, extern, task, start, end (ms, main clock).
// A call beyond the capacity is counted, not kept (the count says how many were dropped).

export const CALL_CAP = 1 << 16;
const CALL_WORDS = 5;
const HEADER_F64 = 1;

export interface CCall {
  thread: number;
  ext: number;
  task: number;
  start: number;
  end: number;
}

export function newCallLog(): SharedArrayBuffer {
  return new SharedArrayBuffer((HEADER_F64 + CALL_CAP * CALL_WORDS) * 8);
}

/** A number for the calling thread, the first time it logs (0, 1, ...). */
export function callThreadNumber(log: SharedArrayBuffer): number {
  return Atomics.add(new Int32Array(log, 0, 2), 1, 1);
}

export function logCall(log: SharedArrayBuffer, c: CCall): void {
  const i = Atomics.add(new Int32Array(log, 0, 2), 0, 1);
  if (i >= CALL_CAP) return;
  const f = new Float64Array(log, (HEADER_F64 + i * CALL_WORDS) * 8, CALL_WORDS);
  f[0] = c.thread;
  f[1] = c.ext;
  f[2] = c.task;
  f[3] = c.start;
  f[4] = c.end;
}

/** Every call logged (in the order they were claimed), and how many did not fit. */
export function readCallLog(log: SharedArrayBuffer): { calls: CCall[]; dropped: number } {
  const claimed = Atomics.load(new Int32Array(log, 0, 2), 0);
  const n = Math.min(claimed, CALL_CAP);
  const f = new Float64Array(log);
  const calls: CCall[] = [];
  for (let i = 0; i < n; i++) {
    const k = HEADER_F64 + i * CALL_WORDS;
    calls.push({ thread: f[k], ext: f[k + 1], task: f[k + 2], start: f[k + 3], end: f[k + 4] });
  }
  return { calls, dropped: claimed - n };
}
