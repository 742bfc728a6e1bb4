// The table of C-owned memory: every block `libc.malloc` handed out, by address, with its size,
// and the addresses `libc.free` gave back. The blocks themselves live outside the arena, in the C
// heap; the collector never traces or frees them. The table lets the runtime turn what C would
// make undefined into a runtime error: a second free of the same block, a free of an address
// libc.malloc never returned, a `*p` read or write through a pointer to a block after its free,
// or one that runs past the block's end.
//
// One table for the whole program, in a SharedArrayBuffer of its own (so every worker sees the
// same blocks; a block malloc'd on one worker may be freed on another), guarded by a spin lock in
// its first word. It is an open-addressing hash table of (address, size) pairs of f64, keyed by
// the exact address: Asthra has no pointer arithmetic, so a pointer into a block is its start.
// A freed address keeps its entry (size FREED) until malloc or a C function hands that address
// out again, which is how a double free is told from a free of some other memory.
//
// The buffer grows (doubling, up to MAX_ENTRIES); when it can grow no more, the freed entries
// are forgotten, so only very old frees escape the double-free check.
import { lock, unlock } from './lock';

/** Header words (int32): the lock, the capacity (entries), entries used (live + freed), live. */
const LOCK = 0;
const CAP = 1;
const USED = 2;
const LIVE = 3;
/** The header is 16 bytes: entries start at f64 index 2. */
const E0 = 2;
const FREED = -1;
/** an entry that was freed and then forgotten: probing goes on past it */
const GONE = -2;
const INITIAL_ENTRIES = 1024;
const MAX_ENTRIES = 1 << 22;

/** What `lookup` says of an address: a live block's size, or one of these. */
export const C_FREED = -1;
export const C_UNKNOWN = -2;

export class CMemTable {
  private i32: Int32Array;
  private f64: Float64Array;

  constructor(readonly sab: SharedArrayBuffer) {
    this.i32 = new Int32Array(sab);
    this.f64 = new Float64Array(sab);
    if (this.i32[CAP] === 0) this.i32[CAP] = INITIAL_ENTRIES;
  }

  static create(): CMemTable {
    const bytes = 16 + INITIAL_ENTRIES * 16;
    return new CMemTable(new SharedArrayBuffer(bytes, { maxByteLength: 16 + MAX_ENTRIES * 16 }));
  }

  /** Blocks libc.malloc returned that are not freed yet. */
  get live(): number {
    return Atomics.load(this.i32, LIVE);
  }

  /** Nothing was ever recorded: the checks can be skipped. */
  get empty(): boolean {
    return Atomics.load(this.i32, USED) === 0;
  }

  /** libc.malloc returned `addr` for `size` bytes. */
  allocated(addr: number, size: number): void {
    this.locked(() => {
      if ((this.i32[USED] + 1) * 10 > this.i32[CAP] * 7) this.rehash();
      const e = this.find(addr, true);
      if (e < 0) throw new RangeError(`more than ${MAX_ENTRIES} blocks of C memory are live at once`);
      if (this.f64[e] !== addr) {
        this.f64[e] = addr;
        this.i32[USED]++;
      }
      this.f64[e + 1] = size;
      this.i32[LIVE]++;
    });
  }

  /** libc.free(addr): 'ok' (the entry is now freed), 'double' (it was freed already) or 'unknown'. */
  release(addr: number): 'ok' | 'double' | 'unknown' {
    return this.locked(() => {
      const e = this.find(addr, false);
      if (e < 0) return 'unknown';
      const size = this.f64[e + 1];
      if (size === FREED) return 'double';
      if (size === GONE) return 'unknown';
      this.f64[e + 1] = FREED;
      this.i32[LIVE]--;
      return 'ok';
    });
  }

  /** A live block's size, C_FREED after its free, or C_UNKNOWN (not from libc.malloc). */
  lookup(addr: number): number {
    if (this.empty) return C_UNKNOWN;
    return this.locked(() => {
      const e = this.find(addr, false);
      if (e < 0) return C_UNKNOWN;
      const size = this.f64[e + 1];
      return size === GONE ? C_UNKNOWN : size;
    });
  }

  /** C handed `addr` out (an extern's pointer result): if it was freed, it is some new memory now. */
  reissued(addr: number): void {
    if (this.empty || addr === 0) return;
    this.locked(() => {
      const e = this.find(addr, false);
      if (e >= 0 && this.f64[e + 1] === FREED) this.f64[e + 1] = GONE;
    });
  }

  private locked<T>(f: () => T): T {
    lock(this.i32, LOCK);
    try {
      if (this.f64.length !== this.sab.byteLength >> 3) {
        this.i32 = new Int32Array(this.sab);
        this.f64 = new Float64Array(this.sab);
      }
      return f();
    } finally {
      unlock(this.i32, LOCK);
    }
  }

  /** The f64 index of addr's entry; with `insert`, of the slot where it goes if absent; else -1. */
  private find(addr: number, insert: boolean): number {
    const cap = this.i32[CAP];
    const f64 = this.f64;
    let i = hash(addr) & (cap - 1);
    let reuse = -1;
    for (let n = 0; n < cap; n++) {
      const e = E0 + i * 2;
      const a = f64[e];
      if (a === addr) return e;
      if (a === 0) return insert ? (reuse >= 0 ? reuse : e) : -1;
      if (insert && reuse < 0 && f64[e + 1] === GONE) reuse = e;
      i = (i + 1) & (cap - 1);
    }
    return insert ? reuse : -1;
  }

  /** Make room: double the table, or (at the largest size) forget the freed entries. */
  private rehash(): void {
    const cap = this.i32[CAP];
    const entries: [number, number][] = [];
    for (let i = 0; i < cap; i++) {
      const a = this.f64[E0 + i * 2];
      const size = this.f64[E0 + i * 2 + 1];
      if (a !== 0 && size !== GONE) entries.push([a, size]);
    }
    let next = cap;
    if (cap * 2 <= MAX_ENTRIES) {
      next = cap * 2;
      this.sab.grow(16 + next * 16);
      this.i32 = new Int32Array(this.sab);
      this.f64 = new Float64Array(this.sab);
    }
    const keep = next === cap ? entries.filter(([, s]) => s !== FREED) : entries;
    this.f64.fill(0, E0, E0 + next * 2);
    this.i32[CAP] = next;
    this.i32[USED] = 0;
    for (const [a, size] of keep) {
      const e = this.find(a, true);
      this.f64[e] = a;
      this.f64[e + 1] = size;
      this.i32[USED]++;
    }
  }
}

function hash(addr: number): number {
  // addresses from malloc are 16-byte aligned: mix the bits above those
  const lo = (addr / 16) >>> 0;
  const hi = (addr / 2 ** 36) >>> 0;
  return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 0;
}
