// A lock word in shared memory, for the few structures several workers update together (free
// lists, the global run queue, handles, mutexes). Three states, as in Drepper's "Futexes are
// tricky": 0 free, 1 held, 2 held with waiters. The critical sections are a few words long, so
// a waiter spins first (reading, not writing, the word: test-and-test-and-set), and sleeps on
// Atomics.wait only if the holder seems to have been descheduled.
const SPINS = 2000;

export function lock(i32: Int32Array, at: number): void {
  let c = Atomics.compareExchange(i32, at, 0, 1);
  if (c === 0) return;
  for (let i = 0; i < SPINS; i++) {
    if (Atomics.load(i32, at) === 0) {
      c = Atomics.compareExchange(i32, at, 0, 1);
      if (c === 0) return;
    }
  }
  if (c !== 2) c = Atomics.exchange(i32, at, 2);
  while (c !== 0) {
    Atomics.wait(i32, at, 2);
    c = Atomics.exchange(i32, at, 2);
  }
}

export function unlock(i32: Int32Array, at: number): void {
  if (Atomics.sub(i32, at, 1) !== 1) {
    Atomics.store(i32, at, 0);
    Atomics.notify(i32, at, 1);
  }
}
