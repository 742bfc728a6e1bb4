// C-owned memory: blocks from the C allocator (libc malloc/free through koffi), outside the
// arena. The collector never traces or frees them; the program owns them. Reading one after
// free is the program's bug, as in C, but the runtime keeps a table of what it handed out, so a
// double free (or freeing something it never allocated) through this API is reported instead of
// corrupting the C heap. This is the heap side of `#[ownership(c)]`, `libc.malloc`/`libc.free`
// and `slice_from_raw_parts(..., ownership_c)`. No Asthra code reaches it yet (the compiler
// rejects extern functions); test/heap.test.js drives it directly.
import koffi from 'koffi';

export class CMemoryError extends Error {}

type Ptr = unknown;

let libc: { malloc: (n: number) => Ptr; free: (p: Ptr) => void } | null = null;

function c(): { malloc: (n: number) => Ptr; free: (p: Ptr) => void } {
  if (libc === null) {
    const lib = koffi.load(process.platform === 'darwin' ? 'libSystem.dylib' : 'libc.so.6');
    libc = { malloc: lib.func('void *malloc(size_t)'), free: lib.func('void free(void *)') };
  }
  return libc;
}

export class CHeap {
  /** live blocks by address, with their sizes */
  private live = new Map<bigint, { ptr: Ptr; size: number }>();
  /** addresses freed through this heap and not handed out again, to name a double free */
  private freed = new Set<bigint>();

  malloc(size: number): bigint {
    if (!Number.isInteger(size) || size < 0) throw new CMemoryError(`malloc: invalid size ${size}`);
    const ptr = c().malloc(Math.max(1, size));
    const addr = koffi.address(ptr) as bigint;
    if (addr === 0n) throw new CMemoryError(`malloc: out of C memory for ${size} bytes`);
    this.live.set(addr, { ptr, size });
    this.freed.delete(addr);
    return addr;
  }

  free(addr: bigint): void {
    const block = this.live.get(addr);
    if (!block) {
      if (this.freed.has(addr)) throw new CMemoryError(`double free of C memory at 0x${addr.toString(16)}`);
      throw new CMemoryError(`free of 0x${addr.toString(16)}, which this runtime did not allocate`);
    }
    c().free(block.ptr);
    this.live.delete(addr);
    this.freed.add(addr);
  }

  write(addr: bigint, bytes: Uint8Array): void {
    const block = this.check(addr, bytes.length);
    koffi.encode(block.ptr, koffi.array('uint8_t', bytes.length), Array.from(bytes));
  }

  read(addr: bigint, length: number): Uint8Array {
    const block = this.check(addr, length);
    return koffi.decode(block.ptr, koffi.array('uint8_t', length)) as Uint8Array;
  }

  get liveBlocks(): number {
    return this.live.size;
  }

  private check(addr: bigint, length: number): { ptr: Ptr; size: number } {
    const block = this.live.get(addr);
    if (!block) throw new CMemoryError(`access to C memory at 0x${addr.toString(16)}, which is not allocated`);
    if (length > block.size) throw new CMemoryError(`access of ${length} bytes beyond a ${block.size}-byte C block`);
    return block;
  }
}
