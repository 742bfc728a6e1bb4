// The shared arena: ONE SharedArrayBuffer holding every Asthra object and every fiber stack, so
// that any worker thread can read any object and resume any fiber (docs/runtime.md, the heap).
// The buffer is growable up to the heap limit and its base never moves, so a reference (a byte
// offset) stays valid for the object's whole life.
//
// Allocation takes, in order: an exact-size block from a size-class free list (blocks up to
// SMALL_MAX bytes), the bump pointer (kept in the arena's first word), a first fit from the list
// of large free blocks, and finally a collection (gc.ts) followed by one more try. A collection
// also runs when the bytes allocated since the last one exceed the budget set by --gc-pause,
// the way Lua's pause and Go's GOGC adapt to the live size. The free lists are rebuilt by each
// sweep. With several workers, each carves small objects from a private allocation buffer
// (TLAB_BYTES) that it refills from these lists under ALLOC_LOCK; the bump pointer is advanced
// atomically.
// The arena knows no collector: a collection is whatever `gcHook` does (gc.ts's Collector,
// wrapped by the runtime in a stop-the-world when workers share the arena).
import { CMemTable } from './cmem';
import { ARENA_META_BYTES, Elems, HDR_AUX, HDR_VARIANT, HEADER_BYTES, Meta, MetaF64, SLICE_ARRAY, SLICE_CAP, SLICE_LEN, SLICE_OFFSET, SLICE_SLOTS, STW_STOPPING, Tag } from './layout';
import { lock, unlock } from './lock';

/** Index of the int32 word holding the allocation top (in 8-byte units, so 16 GiB fits). */
const TOP_WORD = Meta.TOP;
/** Blocks up to this many bytes (header included) have exact-size free lists. */
const SMALL_MAX = 512;
/** Smallest allocation budget between collections. */
const MIN_GC_BUDGET = 16 << 20;
/** With several workers: each worker's allocation buffer, and the largest object taken from it. */
const TLAB_BYTES = 64 << 10;
const TLAB_MAX_OBJECT = 2048;
/** Large free blocks looked at before the allocator gives up and bumps (a bounded first fit). */
const LARGE_SCAN = 32;
const MB = 1048576;

function bytes(n: number): string {
  return n >= MB ? `${(n / MB).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n}-byte`;
}

/**
 * An allocation the heap cannot meet even after a collection. Either the live data and the
 * request together do not fit under --max-heap, or they would, but no free block is large
 * enough (the free space is split between live objects: fragmentation; nothing moves).
 */
export class OutOfMemory extends Error {
  constructor(readonly live: number, readonly requested: number, readonly limit: number) {
    const max = `--max-heap ${(limit / MB).toFixed(0)} MB`;
    super(live + requested > limit
      ? `out of memory: live heap ${(live / MB).toFixed(1)} MB and a ${bytes(requested)} request exceed ${max}; run with a larger --max-heap or keep less data alive`
      : `out of memory: no free block holds a ${bytes(requested)} request, though the live heap (${(live / MB).toFixed(1)} MB) is under ${max}: the free space is split into smaller blocks between live objects (fragmentation); run with a larger --max-heap or allocate large slices early`);
  }
}


/** Powers of ten up to 10^15, for decimalLength. */
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * The length of integer v's decimal text (as String(v) writes it), or -1 when v is not an
 * integer within 2^53 (whose digits a double cannot give exactly: String(v) then).
 */
export function decimalLength(v: number): number {
  const a = v < 0 ? -v : v;
  if (!(a <= Number.MAX_SAFE_INTEGER) || a !== Math.floor(a)) return -1;
  let n = 1;
  while (n < 16 && a >= POW10[n]) n++;
  return v < 0 ? n + 1 : n;
}

/** Write integer v's decimal text, n bytes (decimalLength(v)), into u8 at `at`. */
export function writeDecimal(u8: Uint8Array, v: number, at: number, n: number): void {
  let a = v < 0 ? -v : v;
  let p = at + n;
  do {
    const d = a % 10;
    u8[--p] = 48 + d;
    a = (a - d) / 10;
  } while (a > 0);
  if (v < 0) u8[at] = 45; // '-'
}

/**
 * Copy n bytes within the arena to a block that does not overlap them. A shared Uint8Array's
 * copyWithin runs at about 1.5 GB/s (22 ms for 32 MB), its set from a subarray at 20 GB/s; for
 * a short string the call and the subarray cost more than copyWithin.
 */
/** Whether strings a and b are equal, compared in place (lengths first, then bytes): 1 or 0. */
export function stringsEqual(i32: Int32Array, u8: Uint8Array, a: number, b: number): number {
  if (a === b) return 1;
  const n = i32[(a >>> 2) + 1];
  if (n !== i32[(b >>> 2) + 1]) return 0;
  const pa = a + HEADER_BYTES;
  const pb = b + HEADER_BYTES;
  for (let i = 0; i < n; i++) if (u8[pa + i] !== u8[pb + i]) return 0;
  return 1;
}

/** The byte-wise order of strings a and b, compared in place: -1, 0 or 1. */
export function stringsCompare(i32: Int32Array, u8: Uint8Array, a: number, b: number): number {
  if (a === b) return 0;
  const la = i32[(a >>> 2) + 1];
  const lb = i32[(b >>> 2) + 1];
  const n = la < lb ? la : lb;
  const pa = a + HEADER_BYTES;
  const pb = b + HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const d = u8[pa + i] - u8[pb + i];
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return la === lb ? 0 : la < lb ? -1 : 1;
}

export function copyBytes(u8: Uint8Array, to: number, from: number, n: number): void {
  if (n < 256) u8.copyWithin(to, from, from + n);
  else u8.set(u8.subarray(from, from + n), to);
}

/**
 * Thrown by an allocation made with `noCollect` set (native code's) that would have to collect
 * or park for another worker's collection first: the caller has changed nothing yet, and does
 * the allocation again where a collection may happen (the interpreter).
 */
export const NEEDS_COLLECTION = new Error('allocation needs a collection');

export class Arena {
  readonly sab: SharedArrayBuffer;
  // Fixed-length views, re-made when the buffer grows: V8 optimises these, while length-tracking
  // views of a growable buffer run several times slower. Holders of a view re-read it after
  // anything that can allocate (compare `arena.f64 !== f64`).
  u8!: Uint8Array;
  i32!: Int32Array;
  f64!: Float64Array;
  /** a Buffer over the same bytes, for UTF-8 encoding and decoding without copies */
  private buf!: Buffer;
  readonly limit: number;
  readonly firstBlock = ARENA_META_BYTES;
  /**
   * The bytes the views cover: the buffer's length as this thread last saw it. Reading
   * byteLength of a growable SharedArrayBuffer is a call into the runtime (8% of binary_trees'
   * time, in take); the buffer grows only through grow() with one worker, and is made at its
   * full size with several (runtime/run.ts), so the views always cover it.
   */
  private viewBytes = 0;
  /** worker threads sharing this arena: with more than one, allocation takes ALLOC_LOCK */
  threads = 1;
  /** runs a collection (directly with one thread, as a stop-the-world with several); null
   * until a collector is attached: the arena then only grows */
  gcHook: (() => void) | null = null;
  /** with several threads: park here if another thread is stopping the world */
  safepointHook: () => void = () => {};
  /** references held only by the runtime while it builds an object (a GC root stack) */
  readonly tempRoots: number[] = [];
  /** finished fibers this thread may reuse (scheduler); every collection empties it, on every
   * thread, so the sweep may free them */
  readonly deadFibers: number[] = [];
  /**
   * With one worker: every FIBER block in the heap, so the collector's roots (the unfinished
   * fibers) are found without walking the whole heap, a walk that took a tenth of binary_trees'
   * time. alloc adds each new fiber and the sweep keeps the ones that survive. With several
   * workers each allocates its own, and the roots are found by the walk.
   */
  fibers: number[] = [];

  /** --gc-pause: collect when the heap has grown by this percentage of the live data */
  gcPause = 200;
  /** --gc-torture: collect before every allocation */
  torture = false;
  /** set while native code allocates: where a collection or a park would happen, throw
   * NEEDS_COLLECTION instead (native frames hold references the collector cannot see) */
  noCollect = false;

  /** the program's C-memory table (heap/cmem.ts), shared like the arena */
  readonly cmem: CMemTable;

  constructor(initialBytes: number, maxBytes: number, existing?: SharedArrayBuffer, cmem?: SharedArrayBuffer) {
    this.limit = maxBytes;
    this.cmem = cmem ? new CMemTable(cmem) : CMemTable.create();
    this.sab = existing ?? new SharedArrayBuffer(initialBytes, { maxByteLength: maxBytes });
    this.makeViews();
    if (!existing) {
      Atomics.store(this.i32, TOP_WORD, ARENA_META_BYTES >> 3);
      this.f64[MetaF64.GC_BUDGET] = MIN_GC_BUDGET;
    }
  }

  get bytesAllocated(): number {
    return this.f64[MetaF64.ALLOCATED];
  }

  get peakHeap(): number {
    return this.f64[MetaF64.PEAK];
  }

  get top(): number {
    return Atomics.load(this.i32, TOP_WORD) * 8;
  }

  /** Carve a block for `payload` bytes plus a header; returns the reference. Zero-filled. */
  alloc(tag: Tag, payload: number, aux = 0, variant = 0, zero = true): number {
    const size = (HEADER_BYTES + payload + 7) & ~7;
    const shared = this.threads > 1;
    // a plain read (Atomics.load is a builtin call): a stale 0 delays the stop until the next look
    if (shared && this.i32[Meta.STW_REQ] === STW_STOPPING) {
      if (this.noCollect) throw NEEDS_COLLECTION;
      this.safepointHook();
    }
    // with several workers, small objects come from this worker's buffer without any lock
    if (shared && size <= TLAB_MAX_OBJECT && !this.torture) {
      let ref = this.tlabPos;
      if (ref === 0 || ref + size > this.tlabEnd) ref = this.refillTlab();
      if (ref !== 0) {
        this.tlabPos = ref + size;
        this.formatTlabRest();
        this.initBlock(ref, size, tag, payload, aux, variant, zero);
        return ref;
      }
    }
    let f64 = this.f64;
    if (this.gcHook !== null && (this.torture || f64[MetaF64.SINCE_GC] >= f64[MetaF64.GC_BUDGET])) {
      if (this.noCollect) throw NEEDS_COLLECTION;
      this.gcHook();
    }
    if (shared) lock(this.i32, Meta.ALLOC_LOCK);
    // memory at or above the peak has never been handed out, and a new or grown
    // SharedArrayBuffer is zero: a block taken there needs no clearing (page faults on first
    // touch made the clearing of a large new block cost 100 ms where copying it cost 2)
    let peak = this.f64[MetaF64.PEAK];
    let ref = this.take(size);
    if (ref === 0) {
      if (this.gcHook !== null) {
        if (shared) unlock(this.i32, Meta.ALLOC_LOCK);
        if (this.noCollect) throw NEEDS_COLLECTION;
        this.gcHook();
        if (shared) lock(this.i32, Meta.ALLOC_LOCK);
        peak = this.f64[MetaF64.PEAK];
        ref = this.take(size);
      }
      if (ref === 0) {
        if (shared) unlock(this.i32, Meta.ALLOC_LOCK);
        throw new OutOfMemory(this.gcHook !== null ? this.f64[MetaF64.LIVE_AFTER] : this.top, size, this.limit);
      }
    }
    f64 = this.f64;
    f64[MetaF64.SINCE_GC] += size;
    f64[MetaF64.ALLOCATED] += size;
    if (shared) unlock(this.i32, Meta.ALLOC_LOCK);
    this.initBlock(ref, size, tag, payload, aux, variant, zero && ref < peak);
    if (tag === Tag.FIBER && this.threads === 1) this.fibers.push(ref);
    return ref;
  }

  private initBlock(ref: number, size: number, tag: Tag, payload: number, aux: number, variant: number, zero: boolean): void {
    const w = ref >>> 2;
    const i32 = this.i32;
    i32[w] = tag;
    i32[w + 1] = payload;
    i32[w + 2] = aux;
    i32[w + 3] = variant;
    if (!zero) return;
    // blocks are whole 8-byte slots: small ones take a few stores, larger ones Float64Array's
    // fill (a shared Uint8Array's fill is about 20 times slower: 28 ms against 1.4 ms for 32 MB)
    const f64 = this.f64;
    const k0 = (ref + HEADER_BYTES) >>> 3;
    const end = (ref + size) >>> 3;
    if (size <= 128) {
      for (let k = k0; k < end; k++) f64[k] = 0;
    } else {
      f64.fill(0, k0, end);
    }
  }

  // ---- per-worker allocation buffers (TLABs)
  // A worker carves small objects from its own buffer, taken from the shared free lists or the
  // bump pointer under ALLOC_LOCK once per TLAB_BYTES. The unused rest of the buffer is always a
  // valid FREE block, so the heap stays walkable; at a stop-the-world every worker gives its
  // buffer up (retireTlab), and the sweep returns the rest to the free lists.
  private tlabPos = 0;
  private tlabEnd = 0;

  /** A new buffer (TLAB_BYTES, so any object up to TLAB_MAX_OBJECT fits); its start, or 0. */
  private refillTlab(): number {
    this.retireTlab();
    let f64 = this.f64;
    if (this.gcHook !== null && f64[MetaF64.SINCE_GC] >= f64[MetaF64.GC_BUDGET]) {
      if (this.noCollect) throw NEEDS_COLLECTION;
      this.gcHook();
    }
    const i32 = this.i32;
    lock(i32, Meta.ALLOC_LOCK);
    let start = 0;
    let bytes = 0;
    const fit = i32[Meta.LARGE] !== 0 ? this.takeLarge(TLAB_BYTES, LARGE_SCAN) : 0;
    if (fit !== 0) {
      start = fit;
      bytes = TLAB_BYTES;
    } else {
      const top = this.top;
      if (top + TLAB_BYTES <= this.viewBytes || this.grow(top + TLAB_BYTES)) {
        Atomics.store(i32, TOP_WORD, (top + TLAB_BYTES) >> 3);
        if (top + TLAB_BYTES > this.f64[MetaF64.PEAK]) this.f64[MetaF64.PEAK] = top + TLAB_BYTES;
        start = top;
        bytes = TLAB_BYTES;
      }
    }
    if (start !== 0) {
      f64 = this.f64;
      f64[MetaF64.SINCE_GC] += bytes;
      f64[MetaF64.ALLOCATED] += bytes;
    }
    unlock(i32, Meta.ALLOC_LOCK);
    if (start === 0) return 0;
    this.tlabPos = start;
    this.tlabEnd = start + bytes;
    return start;
  }

  /** Keep the unused rest of the buffer a FREE block (or an 8-byte filler). */
  private formatTlabRest(): void {
    const rest = this.tlabEnd - this.tlabPos;
    if (rest > 0) this.writeFree(this.tlabPos, rest);
  }

  /** Give the buffer up (its rest is already a FREE block); the next collection reclaims it. */
  retireTlab(): void {
    this.tlabPos = 0;
    this.tlabEnd = 0;
  }

  /** In a collection: no worker keeps dead fibers any more, on its own or in the shared list. */
  forgetDeadFibers(): void {
    this.deadFibers.length = 0;
    this.i32[Meta.DEAD_FIBERS] = 0;
    this.i32[Meta.DEAD_TAIL] = 0;
    this.i32[Meta.DEAD_LEN] = 0;
  }

  /** Before a collection: give up what this thread keeps for itself (the buffer, dead fibers). */
  releaseThreadState(): void {
    this.retireTlab();
    this.deadFibers.length = 0;
  }

  /**
   * Call `f` with every block tagged `tag`, walking the heap as the sweep does. Only while no
   * other thread allocates (a stop-the-world, or every worker idle).
   */
  forEachBlock(tag: Tag, f: (ref: number) => void): void {
    const i32 = this.i32;
    const top = this.top;
    for (let p = this.firstBlock; p < top; p += (HEADER_BYTES + i32[(p >>> 2) + 1] + 7) & ~7) {
      if ((i32[p >>> 2] & 0xff) === tag) f(p);
    }
  }

  /** Mark [at, at+size) free without listing it: a FREE header, or an 8-byte filler. */
  private writeFree(at: number, size: number): void {
    const w = at >>> 2;
    this.i32[w] = Tag.FREE;
    this.i32[w + 1] = size - HEADER_BYTES; // -8 for a filler: blockSize() gives 8
  }

  /** Start collecting with `c`; what was allocated before (stacks, constants) starts no cycle. */
  attachCollector(c: { collect(): void }): void {
    this.gcHook = () => c.collect();
    this.resetGcCount();
  }

  /** What was allocated so far (stacks, constants) starts no collection cycle. */
  resetGcCount(): void {
    this.f64[MetaF64.SINCE_GC] = 0;
  }

  /** After a collection (every thread stopped): the next one comes after the --gc-pause budget. */
  collected(live: number): void {
    this.f64[MetaF64.SINCE_GC] = 0;
    this.f64[MetaF64.GC_BUDGET] = Math.max(MIN_GC_BUDGET, Math.floor((live * (this.gcPause - 100)) / 100));
  }

  /** A block of exactly `size` bytes, or 0 when none fits under the limit. */
  private take(size: number): number {
    const i32 = this.i32;
    if (size <= SMALL_MAX) {
      const h = i32[Meta.SMALL0 + (size >> 3)];
      if (h !== 0) {
        i32[Meta.SMALL0 + (size >> 3)] = i32[(h >>> 2) + 2];
        return h;
      }
    }
    // freed memory before fresh memory, so a heap that stopped growing stays that size
    if (i32[Meta.LARGE] !== 0) {
      const fit = this.takeLarge(size, LARGE_SCAN);
      if (fit !== 0) return fit;
    }
    const top = this.top;
    const end = top + size;
    if (end > this.viewBytes) {
      const fit = this.takeLarge(size, Infinity);
      if (fit !== 0 || !this.grow(end)) return fit;
    }
    // one worker: no other thread reads the top while this one runs (an Atomics.store is a
    // fenced write: a tenth of binary_trees' allocation time)
    if (this.threads > 1) Atomics.store(this.i32, TOP_WORD, end >> 3);
    else this.i32[TOP_WORD] = end >> 3;
    if (end > this.f64[MetaF64.PEAK]) this.f64[MetaF64.PEAK] = end;
    return top;
  }

  /** First fit from the large list (also serves small sizes when the bump pointer is stuck). */
  private takeLarge(size: number, scan: number): number {
    const i32 = this.i32;
    let prev = 0;
    for (let b = i32[Meta.LARGE]; b !== 0 && scan-- > 0; prev = b, b = i32[(b >>> 2) + 2]) {
      const bsize = HEADER_BYTES + i32[(b >>> 2) + 1];
      const rest = bsize - size;
      if (rest !== 0 && rest < HEADER_BYTES) continue;
      const next = i32[(b >>> 2) + 2];
      if (prev === 0) i32[Meta.LARGE] = next;
      else i32[(prev >>> 2) + 2] = next;
      if (rest > 0) this.addFree(b + size, rest);
      return b;
    }
    return 0;
  }

  /** Record [at, at+size) as a free block on its list (used by sweep and splitting). */
  addFree(at: number, size: number): void {
    const i32 = this.i32;
    const w = at >>> 2;
    if (size < HEADER_BYTES) {
      this.writeFree(at, size); // too small to list: stays a filler until a neighbour frees
      return;
    }
    i32[w] = Tag.FREE;
    i32[w + 1] = size - HEADER_BYTES;
    if (size <= SMALL_MAX) {
      i32[w + 2] = i32[Meta.SMALL0 + (size >> 3)];
      i32[Meta.SMALL0 + (size >> 3)] = at;
    } else {
      i32[w + 2] = i32[Meta.LARGE];
      i32[Meta.LARGE] = at;
    }
  }

  resetFreeLists(): void {
    this.i32.fill(0, Meta.SMALL0, Meta.SMALL0 + SMALL_MAX / 8 + 1);
    this.i32[Meta.LARGE] = 0;
  }

  /** Give back a free tail: the bump pointer drops to `at`. */
  lowerTop(at: number): void {
    Atomics.store(this.i32, TOP_WORD, at >> 3);
  }

  /**
   * C gets a pointer into byte array `arr` for one call: the sweep keeps the array, reachable or
   * not, until as many unpins. The count is in the array's header (layout.ts Elems), atomic,
   * because two tasks on two workers may pass the same buffer to C at once.
   */
  pinBytes(arr: number): void {
    Atomics.add(this.i32, (arr >>> 2) + HDR_VARIANT, 1);
  }

  /** The call is over; false if `arr` was not pinned (nothing changes then). */
  unpinBytes(arr: number): boolean {
    const w = (arr >>> 2) + HDR_VARIANT;
    for (;;) {
      const n = Atomics.load(this.i32, w);
      if (n <= 0) return false;
      if (Atomics.compareExchange(this.i32, w, n, n - 1) === n) return true;
    }
  }

  /** Re-make the views if another thread grew the buffer (called after every stop-the-world). */
  refreshViews(): void {
    if (this.f64.length * 8 !== this.sab.byteLength) this.makeViews();
  }

  private makeViews(): void {
    const len = this.sab.byteLength;
    this.viewBytes = len;
    this.u8 = new Uint8Array(this.sab, 0, len);
    this.i32 = new Int32Array(this.sab, 0, len >> 2);
    this.f64 = new Float64Array(this.sab, 0, len >> 3);
    this.buf = Buffer.from(this.sab, 0, len);
  }

  /** Grow the buffer to hold `end` bytes; false when that would pass the limit. */
  private grow(end: number): boolean {
    if (end > this.limit) return false;
    let next = this.sab.byteLength;
    while (next < end) next *= 2;
    this.sab.grow(Math.min(next, this.limit));
    this.makeViews();
    return true;
  }

  tag(ref: number): number {
    return this.i32[ref >>> 2] & 0xff;
  }

  payloadBytes(ref: number): number {
    return this.i32[(ref >>> 2) + 1];
  }

  /** f64 index of an object's first payload slot. */
  static slot0(ref: number): number {
    return (ref + HEADER_BYTES) >> 3;
  }

  // ---- strings (allocated without clearing: every payload byte is written at once; the
  // padding to 8 bytes is never read)
  /** The decimal text of integer v, its digits written straight into the new string. */
  newDecimal(v: number): number {
    const n = decimalLength(v);
    if (n < 0) return this.newString(String(v));
    const ref = this.alloc(Tag.STRING, n, 0, 0, false);
    writeDecimal(this.u8, v, ref + HEADER_BYTES, n);
    return ref;
  }

  newString(text: string): number {
    const n = text.length;
    // short ASCII text (numbers, most literals) is copied byte by byte; the rest is encoded in place
    if (n <= 32) {
      let ascii = true;
      for (let i = 0; i < n; i++) if (text.charCodeAt(i) > 0x7f) ascii = false;
      if (ascii) {
        const ref = this.alloc(Tag.STRING, n, 0, 0, false);
        const u8 = this.u8;
        const at = ref + HEADER_BYTES;
        for (let i = 0; i < n; i++) u8[at + i] = text.charCodeAt(i);
        return ref;
      }
    }
    const len = Buffer.byteLength(text, 'utf8');
    const ref = this.alloc(Tag.STRING, len, 0, 0, false);
    this.buf.write(text, ref + HEADER_BYTES, len, 'utf8');
    return ref;
  }

  newStringFromBytes(bytes: Uint8Array): number {
    const ref = this.alloc(Tag.STRING, bytes.length, 0, 0, false);
    this.u8.set(bytes, ref + HEADER_BYTES);
    return ref;
  }

  stringBytes(ref: number): Uint8Array {
    return this.u8.subarray(ref + HEADER_BYTES, ref + HEADER_BYTES + this.payloadBytes(ref));
  }

  readString(ref: number): string {
    const at = ref + HEADER_BYTES;
    return this.buf.toString('utf8', at, at + this.payloadBytes(ref));
  }

  concat(a: number, b: number): number {
    const la = this.payloadBytes(a);
    const lb = this.payloadBytes(b);
    const ref = this.alloc(Tag.STRING, la + lb, 0, 0, false);
    const u8 = this.u8;
    copyBytes(u8, ref + HEADER_BYTES, a + HEADER_BYTES, la);
    copyBytes(u8, ref + HEADER_BYTES + la, b + HEADER_BYTES, lb);
    return ref;
  }

  /** Write `text` as UTF-8 at byte offset `at` (inside a block being built); returns the bytes written. */
  writeText(text: string, at: number): number {
    return this.buf.write(text, at, 'utf8');
  }

  // ---- slices (Elems.BYTES: a []u8, one byte per element; otherwise an 8-byte slot each)
  newArray(cap: number, kind: number): number {
    return this.alloc(Tag.ARRAY, kind === Elems.BYTES ? cap : cap * 8, kind);
  }

  newSlice(len: number, cap: number, kind: number): number {
    const arr = this.newArray(cap, kind);
    this.tempRoots.push(arr);
    const ref = this.alloc(Tag.SLICE, SLICE_SLOTS * 8, kind);
    this.tempRoots.pop();
    const s = Arena.slot0(ref);
    this.f64[s + SLICE_LEN] = len;
    this.f64[s + SLICE_CAP] = cap;
    this.f64[s + SLICE_ARRAY] = arr;
    this.f64[s + SLICE_OFFSET] = 0;
    return ref;
  }

  /** Whether a slice holds bytes (a []u8 made as one): its elements are at bytesBase, in u8. */
  isBytes(ref: number): boolean {
    return this.i32[(ref >>> 2) + HDR_AUX] === Elems.BYTES;
  }

  /** The array a slice's elements are in. */
  sliceArray(ref: number): number {
    return this.f64[Arena.slot0(ref) + SLICE_ARRAY];
  }

  /** byte index (into u8) of element 0 of a byte slice. */
  bytesBase(ref: number): number {
    const s = Arena.slot0(ref);
    return this.f64[s + SLICE_ARRAY] + HEADER_BYTES + this.f64[s + SLICE_OFFSET];
  }

  /** f64 index of element 0 of a slice of 8-byte slots (not a byte slice). */
  sliceBase(ref: number): number {
    const s = Arena.slot0(ref);
    return Arena.slot0(this.f64[s + SLICE_ARRAY]) + this.f64[s + SLICE_OFFSET];
  }

  sliceLen(ref: number): number {
    return this.f64[Arena.slot0(ref) + SLICE_LEN];
  }

  /** Append in place; the slice (and a pushed reference) must be reachable from a root. */
  push(ref: number, value: number): void {
    const s = Arena.slot0(ref);
    const len = this.f64[s + SLICE_LEN];
    const kind = this.i32[(ref >>> 2) + HDR_AUX];
    if (len >= this.f64[s + SLICE_CAP]) {
      const cap = Math.max(4, len * 2);
      const arr = this.newArray(cap, kind);
      const f64 = this.f64;
      if (kind === Elems.BYTES) {
        const from = this.bytesBase(ref);
        copyBytes(this.u8, arr + HEADER_BYTES, from, len);
      } else {
        const from = this.sliceBase(ref);
        f64.copyWithin(Arena.slot0(arr), from, from + len);
      }
      f64[s + SLICE_ARRAY] = arr;
      f64[s + SLICE_OFFSET] = 0;
      f64[s + SLICE_CAP] = cap;
    }
    if (kind === Elems.BYTES) this.u8[this.bytesBase(ref) + len] = value;
    else this.f64[this.sliceBase(ref) + len] = value;
    this.f64[s + SLICE_LEN] = len + 1;
  }

  subSlice(ref: number, lo: number, hi: number): number {
    const kind = this.i32[(ref >>> 2) + HDR_AUX];
    const out = this.alloc(Tag.SLICE, SLICE_SLOTS * 8, kind);
    const f64 = this.f64;
    const s = Arena.slot0(ref);
    const o = Arena.slot0(out);
    f64[o + SLICE_LEN] = hi - lo;
    f64[o + SLICE_CAP] = f64[s + SLICE_CAP] - lo;
    f64[o + SLICE_ARRAY] = f64[s + SLICE_ARRAY];
    f64[o + SLICE_OFFSET] = f64[s + SLICE_OFFSET] + lo;
    return out;
  }
}
