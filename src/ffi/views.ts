// Views over the whole shared arena for the FFI's own threads (pool.ts's FFI threads, the
// callback thread), which have no Arena object: they never allocate. With one worker the arena
// grows as the program runs, so the views are made again whenever the buffer's length changed.
export class ArenaViews {
  private bytes = -1;
  i32: Int32Array<ArrayBufferLike> = new Int32Array(0);
  f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  buf: Buffer<ArrayBufferLike> = Buffer.alloc(0);

  constructor(readonly sab: SharedArrayBuffer) {
    this.refresh();
  }

  refresh(): void {
    const n = this.sab.byteLength;
    if (n === this.bytes) return;
    this.bytes = n;
    this.i32 = new Int32Array(this.sab, 0, n >> 2);
    this.f64 = new Float64Array(this.sab, 0, n >> 3);
    this.buf = Buffer.from(this.sab, 0, n);
  }
}
