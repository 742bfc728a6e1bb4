// The shared arena: ONE SharedArrayBuffer holding every Asthra object and every fiber stack, so
// that any worker thread can read any object and resume any fiber (DESIGN.md section 4).
// The buffer is growable up to the heap limit and its base never moves, so a reference (a byte
// offset) stays valid for the object's whole life.
//
// Allocation is a bump pointer kept in the arena's first word, advanced with Atomics so threads
// sharing the arena never hand out the same bytes. Collection comes with the heap issue; this
// file only knows how to carve, read and write objects.
import { ARENA_META_BYTES, HEADER_BYTES, SLICE_ARRAY, SLICE_CAP, SLICE_LEN, SLICE_OFFSET, SLICE_SLOTS, Tag } from './layout';

/** Index of the int32 word holding the allocation top (in 8-byte units, so 16 GiB fits). */
const TOP_WORD = 0;

export class OutOfMemory extends Error {
  constructor(readonly requested: number, readonly limit: number) {
    super(`out of memory: heap exhausted at ${(limit / 1048576).toFixed(0)} MB (--max-heap)`);
  }
}

export class Arena {
  readonly sab: SharedArrayBuffer;
  // Fixed-length views, re-made when the buffer grows: V8 optimises these, while length-tracking
  // views of a growable buffer run several times slower. Holders of a view re-read it after
  // anything that can allocate (compare `arena.f64 !== f64`).
  u8!: Uint8Array;
  i32!: Int32Array;
  f64!: Float64Array;
  readonly limit: number;
  bytesAllocated = 0;

  constructor(initialBytes: number, maxBytes: number, existing?: SharedArrayBuffer) {
    this.limit = maxBytes;
    this.sab = existing ?? new SharedArrayBuffer(initialBytes, { maxByteLength: maxBytes });
    this.makeViews();
    if (!existing) Atomics.store(this.i32, TOP_WORD, ARENA_META_BYTES >> 3);
  }

  get top(): number {
    return Atomics.load(this.i32, TOP_WORD) * 8;
  }

  /** Carve `payload` bytes plus a header; returns the reference. Zero-filled. */
  alloc(tag: Tag, payload: number, aux = 0, variant = 0): number {
    const size = (HEADER_BYTES + payload + 7) & ~7;
    const ref = Atomics.add(this.i32, TOP_WORD, size >> 3) * 8;
    const end = ref + size;
    if (end > this.sab.byteLength) this.grow(end, size);
    this.bytesAllocated += size;
    const w = ref >>> 2;
    this.i32[w] = tag;
    this.i32[w + 1] = payload;
    this.i32[w + 2] = aux;
    this.i32[w + 3] = variant;
    return ref;
  }

  private makeViews(): void {
    const len = this.sab.byteLength;
    this.u8 = new Uint8Array(this.sab, 0, len);
    this.i32 = new Int32Array(this.sab, 0, len >> 2);
    this.f64 = new Float64Array(this.sab, 0, len >> 3);
  }

  private grow(end: number, size: number): void {
    if (end > this.limit) throw new OutOfMemory(size, this.limit);
    let next = this.sab.byteLength;
    while (next < end) next *= 2;
    this.sab.grow(Math.min(next, this.limit));
    this.makeViews();
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

  // ---- strings
  newString(text: string): number {
    const bytes = Buffer.from(text, 'utf8');
    const ref = this.alloc(Tag.STRING, bytes.length);
    this.u8.set(bytes, ref + HEADER_BYTES);
    return ref;
  }

  newStringFromBytes(bytes: Uint8Array): number {
    const ref = this.alloc(Tag.STRING, bytes.length);
    this.u8.set(bytes, ref + HEADER_BYTES);
    return ref;
  }

  stringBytes(ref: number): Uint8Array {
    return this.u8.subarray(ref + HEADER_BYTES, ref + HEADER_BYTES + this.payloadBytes(ref));
  }

  readString(ref: number): string {
    return Buffer.from(this.sab, ref + HEADER_BYTES, this.payloadBytes(ref)).toString('utf8');
  }

  concat(a: number, b: number): number {
    const la = this.payloadBytes(a);
    const lb = this.payloadBytes(b);
    const ref = this.alloc(Tag.STRING, la + lb);
    const u8 = this.u8;
    u8.copyWithin(ref + HEADER_BYTES, a + HEADER_BYTES, a + HEADER_BYTES + la);
    u8.copyWithin(ref + HEADER_BYTES + la, b + HEADER_BYTES, b + HEADER_BYTES + lb);
    return ref;
  }

  // ---- slices
  newArray(cap: number, kind: number): number {
    return this.alloc(Tag.ARRAY, cap * 8, kind);
  }

  newSlice(len: number, cap: number, kind: number): number {
    const arr = this.newArray(cap, kind);
    const ref = this.alloc(Tag.SLICE, SLICE_SLOTS * 8, kind);
    const s = Arena.slot0(ref);
    this.f64[s + SLICE_LEN] = len;
    this.f64[s + SLICE_CAP] = cap;
    this.f64[s + SLICE_ARRAY] = arr;
    this.f64[s + SLICE_OFFSET] = 0;
    return ref;
  }

  /** f64 index of element 0 of a slice. */
  sliceBase(ref: number): number {
    const s = Arena.slot0(ref);
    return Arena.slot0(this.f64[s + SLICE_ARRAY]) + this.f64[s + SLICE_OFFSET];
  }

  sliceLen(ref: number): number {
    return this.f64[Arena.slot0(ref) + SLICE_LEN];
  }

  push(ref: number, value: number): void {
    const f64 = this.f64;
    const s = Arena.slot0(ref);
    const len = f64[s + SLICE_LEN];
    if (len >= f64[s + SLICE_CAP]) {
      const cap = Math.max(4, len * 2);
      const kind = this.i32[(ref >>> 2) + 2];
      const arr = this.newArray(cap, kind);
      const from = this.sliceBase(ref);
      const to = Arena.slot0(arr);
      f64.copyWithin(to, from, from + len);
      f64[s + SLICE_ARRAY] = arr;
      f64[s + SLICE_OFFSET] = 0;
      f64[s + SLICE_CAP] = cap;
    }
    f64[this.sliceBase(ref) + len] = value;
    f64[s + SLICE_LEN] = len + 1;
  }

  subSlice(ref: number, lo: number, hi: number): number {
    const f64 = this.f64;
    const s = Arena.slot0(ref);
    const kind = this.i32[(ref >>> 2) + 2];
    const out = this.alloc(Tag.SLICE, SLICE_SLOTS * 8, kind);
    const o = Arena.slot0(out);
    f64[o + SLICE_LEN] = hi - lo;
    f64[o + SLICE_CAP] = f64[s + SLICE_CAP] - lo;
    f64[o + SLICE_ARRAY] = f64[s + SLICE_ARRAY];
    f64[o + SLICE_OFFSET] = f64[s + SLICE_OFFSET] + lo;
    return out;
  }
}
