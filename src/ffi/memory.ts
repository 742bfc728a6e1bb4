// Memory through pointers, for `unsafe` code: `*p` reads and `*p = v` writes of C-typed values,
// `&x` of a variable (a cell in the arena), and libc.malloc / libc.free.
//
// A pointer is a machine address in a number slot, whatever it points at, so C and Asthra agree
// on it: `&x` is the address of x's cell inside the arena (the arena's SharedArrayBuffer never
// moves, and neither do its objects), so C may write through it; libc.malloc's result is the C
// allocator's address. A read or write inside the arena goes through a DataView of it; any other
// address is C memory, reached through koffi. Before that, the C-memory table (heap/cmem.ts)
// turns null, a block after its free, and an access past a block's end into a runtime error.
// Any other address (a pointer a C function returned, or an integer made into a pointer) is read
// or written by the kernel, through a pipe of the thread's own (write(2) from it, read(2) into
// it): where no memory is there to read or write, the call fails with EFAULT and the access is
// a runtime error, never a crash of the process. It costs two system calls per access; memory
// of the arena and blocks from libc.malloc are read and written directly.
import { CTYPE_NAMES, CTYPE_SIZE, CType } from '../bytecode/ctypes';
import { C_FREED, C_UNKNOWN } from '../heap/cmem';
import type { Arena } from '../heap/arena';
import { HEADER_BYTES } from '../heap/layout';
import { freeC, koffi } from './library';

/** What a pointer operation did wrong: the interpreter adds the Asthra stack. */
export class MemoryError extends Error {}

type CFn = (...args: unknown[]) => unknown;

export class Memory {
  private base = -1;
  private view: DataView | null = null;
  private viewBytes = 0;
  private cCalloc: CFn | null = null;
  private cMemmove: CFn | null = null;
  /** the pipe and the calls that move bytes through it (see the file's comment), made on first use */
  private pipe: { r: number; w: number; writeAt: CFn; writeBuf: CFn; readAt: CFn; readBuf: CFn } | null = null;
  private readonly scratch = Buffer.alloc(8);
  private readonly scratchView = new DataView(this.scratch.buffer, this.scratch.byteOffset, 8);

  constructor(private readonly arena: Arena) {}

  /** The machine address of the value in cell `ref` (`&x`). */
  cellAddress(ref: number): number {
    return this.arenaBase() + ref + HEADER_BYTES;
  }

  load(addr: number, t: number): number {
    const [v, off] = this.at(addr, t, 'read');
    // an address the VM cannot vouch for: the kernel copies the value into the scratch buffer
    return v !== null ? this.get(v, off, t, addr) : this.get(this.kernelRead(addr, t), 0, t, addr);
  }

  private get(v: DataView, off: number, t: number, addr: number): number {
    switch (t) {
      case CType.Bool: return v.getUint8(off) !== 0 ? 1 : 0;
      case CType.I8: return v.getInt8(off);
      case CType.U8: return v.getUint8(off);
      case CType.I16: return v.getInt16(off, true);
      case CType.U16: return v.getUint16(off, true);
      case CType.I32: return v.getInt32(off, true);
      case CType.U32: return v.getUint32(off, true);
      case CType.F32: return v.getFloat32(off, true);
      case CType.F64: return v.getFloat64(off, true);
      case CType.I64: case CType.ISize: return exact(v.getBigInt64(off, true), t, addr);
      default: return exact(v.getBigUint64(off, true), t, addr);
    }
  }

  store(addr: number, t: number, x: number): void {
    const [v, off] = this.at(addr, t, 'write');
    if (v !== null) return this.put(v, off, t, x);
    // an address the VM cannot vouch for: the value is put together here and written by the kernel
    this.put(this.scratchView, 0, t, x);
    this.kernelWrite(addr, t);
  }

  private put(v: DataView, off: number, t: number, x: number): void {
    switch (t) {
      case CType.Bool: v.setUint8(off, x !== 0 ? 1 : 0); return;
      case CType.I8: v.setInt8(off, x); return;
      case CType.U8: v.setUint8(off, x); return;
      case CType.I16: v.setInt16(off, x, true); return;
      case CType.U16: v.setUint16(off, x, true); return;
      case CType.I32: v.setInt32(off, x, true); return;
      case CType.U32: v.setUint32(off, x, true); return;
      case CType.F32: v.setFloat32(off, x, true); return;
      case CType.F64: v.setFloat64(off, x, true); return;
      case CType.I64: case CType.ISize: v.setBigInt64(off, BigInt(x), true); return;
      default: v.setBigUint64(off, BigInt(x), true);
    }
  }

  /** libc.malloc(n): zero-filled C memory, recorded in the program's C-memory table. */
  malloc(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new MemoryError(`libc.malloc: invalid size ${n}`);
    const addr = this.calloc(n, `libc.malloc: the C allocator has no ${n} bytes to give`);
    this.arena.cmem.allocated(addr, n);
    return addr;
  }

  /** libc.free(p): a second free, or one of memory libc.malloc did not return, is an error. */
  free(addr: number): void {
    if (addr === 0) return; // free(NULL) does nothing, as in C
    const hex = `0x${addr.toString(16)}`;
    switch (this.arena.cmem.release(addr)) {
      case 'double': throw new MemoryError(`libc.free: double free of C memory at ${hex} (it was freed already)`);
      case 'unknown': throw new MemoryError(`libc.free: ${hex} is not memory libc.malloc returned (free what a C library allocated with that library's own function)`);
    }
    freeC(addr);
  }

  /**
   * `buf.ptr` passed to C, before the call: the slice to give bytesOut after it, and the address
   * C gets. A byte slice (layout.ts Elems.BYTES: every []u8 the program made) gives C its bytes
   * where they are in the heap, pinned until bytesOut; the slice returned is a header of its own
   * over the same bytes, which nothing else can reach, so another task appending to the
   * program's slice (and so moving it to a bigger array) meanwhile cannot change which array
   * bytesOut unpins. Any other slice gives C a copy of its bytes (bytesOut copies them back): a
   * C block that starts with the length copied (8 bytes), C getting the address after it.
   */
  bytesIn(slice: number): [number, number] {
    const a = this.arena;
    const len = a.sliceLen(slice);
    if (a.isBytes(slice)) {
      const own = a.subSlice(slice, 0, len);
      a.pinBytes(a.sliceArray(own));
      return [own, this.arenaBase() + a.bytesBase(own)];
    }
    const b0 = a.sliceBase(slice);
    const block = this.calloc(8 + len, `the C allocator has no ${len} bytes for a copy of the slice`);
    const view = new DataView(koffi().view(block, 8 + len));
    view.setFloat64(0, len, true);
    const f64 = a.f64;
    for (let i = 0; i < len; i++) view.setUint8(8 + i, f64[b0 + i]);
    // listed, so BYTES_OUT copies back from (and frees) only a copy BYTES_IN made
    a.cmem.allocated(block, 8 + len);
    return [slice, block + 8];
  }

  /** After the call: the bytes are unpinned, or what C wrote to the copy goes back into the slice. */
  bytesOut(slice: number, addr: number): void {
    const a = this.arena;
    if (a.isBytes(slice)) {
      if (addr !== this.arenaBase() + a.bytesBase(slice) || !a.unpinBytes(a.sliceArray(slice))) {
        throw new MemoryError(`BYTES_OUT: 0x${addr.toString(16)} is not the address of a byte slice BYTES_IN pinned (or it was unpinned already): the bytecode is corrupt`);
      }
      return;
    }
    const block = addr - 8;
    if (a.cmem.release(block) !== 'ok') {
      throw new MemoryError(`BYTES_OUT: 0x${addr.toString(16)} is not a C copy of a slice that BYTES_IN made (or it was copied back already): the bytecode is corrupt`);
    }
    const copied = new DataView(koffi().view(block, 8)).getFloat64(0, true);
    // another task may have changed the slice meanwhile: copy back no more than both hold
    const len = Math.min(copied, a.sliceLen(slice));
    const bytes = new Uint8Array(koffi().view(addr, Math.max(1, len)));
    const b0 = a.sliceBase(slice);
    const f64 = a.f64;
    for (let i = 0; i < len; i++) f64[b0 + i] = bytes[i];
    freeC(block);
  }

  /** The check slice_from_raw_parts makes before it reads `len` bytes at `addr`. */
  checkRange(addr: number, len: number, what: string): void {
    this.checkC(addr, len, what, 'read');
  }

  /** The value at a pointer the VM cannot vouch for, copied by the kernel into the scratch buffer. */
  private kernelRead(addr: number, t: number): DataView {
    const p = this.kernelPipe();
    const size = CTYPE_SIZE[t];
    const n = Number(p.writeAt(p.w, addr, size));
    if (n !== size) {
      if (n > 0) p.readBuf(p.r, Buffer.alloc(8), n); // what the kernel could read before the hole
      throw new MemoryError(`read through ${article(CTYPE_NAMES[t])} pointer at 0x${addr.toString(16)}: no memory there can be read (a wild pointer)`);
    }
    p.readBuf(p.r, this.scratch, size);
    return this.scratchView;
  }

  /** The value in the scratch buffer, written by the kernel at a pointer the VM cannot vouch for. */
  private kernelWrite(addr: number, t: number): void {
    const p = this.kernelPipe();
    const size = CTYPE_SIZE[t];
    p.writeBuf(p.w, this.scratch, size);
    const n = Number(p.readAt(p.r, addr, size));
    if (n !== size) {
      p.readBuf(p.r, Buffer.alloc(8), size - Math.max(0, n)); // the bytes the kernel could not deliver
      throw new MemoryError(`write through ${article(CTYPE_NAMES[t])} pointer at 0x${addr.toString(16)}: no memory there can be written (a wild pointer, or read-only memory)`);
    }
  }

  private kernelPipe(): NonNullable<Memory['pipe']> {
    if (this.pipe !== null) return this.pipe;
    const c = libc();
    const fds = new Int32Array(2);
    if (Number((c.func('int pipe(int *fds)') as CFn)(fds)) !== 0) throw new MemoryError('the system has no pipe left to check a pointer with');
    this.pipe = {
      r: fds[0],
      w: fds[1],
      writeAt: c.func('long write(int, uintptr_t, size_t)') as CFn,
      writeBuf: c.func('long write(int, void *, size_t)') as CFn,
      readAt: c.func('long read(int, uintptr_t, size_t)') as CFn,
      readBuf: c.func('long read(int, void *, size_t)') as CFn,
    };
    return this.pipe;
  }

  /** Where the value at `addr` is: a view and an offset, or null for the kernel to reach it. */
  private at(addr: number, t: number, verb: string): [DataView | null, number] {
    const size = CTYPE_SIZE[t];
    const base = this.arenaBase();
    const off = addr - base;
    if (off >= HEADER_BYTES && off + size <= this.arena.sab.byteLength) {
      if (this.view === null || this.viewBytes !== this.arena.sab.byteLength) {
        this.viewBytes = this.arena.sab.byteLength;
        this.view = new DataView(this.arena.sab, 0, this.viewBytes);
      }
      return [this.view, off];
    }
    if (this.checkC(addr, size, `${CTYPE_NAMES[t]} pointer`, verb) === C_UNKNOWN) return [null, 0];
    return [new DataView(koffi().view(addr, size)), 0];
  }

  private checkC(addr: number, size: number, what: string, verb: string): number {
    if (addr === 0) throw new MemoryError(`null pointer dereference: ${verb} through a null ${what}`);
    if (!Number.isSafeInteger(addr) || addr < 0) throw new MemoryError(`${verb} through an invalid ${what} (${addr})`);
    const known = this.arena.cmem.lookup(addr);
    const hex = `0x${addr.toString(16)}`;
    if (known === C_FREED) throw new MemoryError(`use of freed C memory: ${verb} at ${hex} after libc.free`);
    if (known !== C_UNKNOWN && size > known) {
      throw new MemoryError(`${verb} of ${size} bytes at ${hex}, past the end of a ${known}-byte block from libc.malloc`);
    }
    return known;
  }

  private arenaBase(): number {
    if (this.base < 0) {
      if (this.cMemmove === null) this.cMemmove = libc().func('void *memmove(void *, void *, size_t)') as CFn;
      // memmove(p, p, 0) returns p: the machine address of the arena's first byte
      const u8 = new Uint8Array(this.arena.sab, 0, 16);
      this.base = Number(koffi().address(this.cMemmove!(u8, u8, 0)));
    }
    return this.base;
  }

  /** Zero-filled C memory of at least one byte (C's calloc); `failure` if there is none. */
  private calloc(n: number, failure: string): number {
    if (this.cCalloc === null) this.cCalloc = libc().func('uintptr_t calloc(size_t, size_t)') as CFn;
    const addr = Number(this.cCalloc(1, Math.max(1, n)));
    if (addr === 0) throw new MemoryError(failure);
    return addr;
  }
}

/** The C library and the process's own symbols, as library.ts binds `extern "libc"`. */
function libc(): ReturnType<ReturnType<typeof koffi>['load']> {
  return koffi().load(null);
}

/** 'a u8', 'an i32' */
function article(word: string): string {
  return /^[aeio]/.test(word) ? `an ${word}` : `a ${word}`;
}

function exact(v: bigint, t: number, addr: number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) {
    throw new MemoryError(`the ${CTYPE_NAMES[t]} at 0x${addr.toString(16)} is ${v}, beyond the integers this VM holds exactly (2^53)`);
  }
  return n;
}
