// The collector: precise, non-moving mark-sweep over the shared arena.
//
// Invariant (Lua's lgc.h states its own in one sentence; this is ours): between collections,
// every reference a program can reach is the byte offset of a block whose header is live, and
// every live block is reachable from a root or was allocated since the last collection.
//
// Phases, as clox names them: markRoots() -> traceReferences() -> sweep().
//  - Roots are listed in ONE place, the RootSet the VM provides: globals, interned string
//    constants, every live fiber's frames (locals and operand-stack slots that the verifier's
//    stack maps say hold references) and temporaries the runtime holds while it builds an
//    object. A byte array C holds a pointer into (pinned: its header counts the calls) is kept
//    by the sweep however unreachable; it holds no references, so nothing needs tracing from it.
//  - Tracing reads each block's layout: slices point at their backing array, arrays of
//    references and objects (by their shape's reference mask) point at their elements.
//  - Sweep walks the arena block by block, clears marks on survivors, coalesces every run of
//    dead or free neighbours into one free block, lowers the bump pointer over a free tail, and
//    rebuilds the size-class free lists the allocator takes from.
// Nothing ever moves, so addresses handed to C (a pinned byte array's) stay valid.
//
// Collection happens only inside Arena.alloc, which every allocating instruction reaches after
// writing its registers back (the interpreter's safepoint rule), so no reference lives only in
// a JavaScript local while the collector runs; the few that must (a new array before its slice
// header exists) are pushed on the arena's temporary-root stack.
//
// With several workers, the runtime runs a collection inside a stop-the-world
// (scheduler/stw.ts): the collecting worker raises Meta.STW_REQ and the others park at their
// next safepoint on Atomics.wait, their temporary roots published, before anything is marked.
import type { Arena } from './arena';
import { Elems, Flag, HEADER_BYTES, Meta, MetaF64, SLICE_ARRAY, TAG_NAMES, Tag } from './layout';

export interface RootSet {
  /** Call `mark` with every root reference (0 means "no reference" and is ignored). */
  scan(mark: (ref: number) => void): void;
}

export interface GcStats {
  collections: number;
  totalPauseMs: number;
  maxPauseMs: number;
  liveAfterLast: number;
}

const MARK = Flag.MARK << 8;

export class Collector {
  private gray: number[] = [];

  constructor(
    readonly arena: Arena,
    /** per shape index: which fields of an OBJECT hold references */
    readonly shapeRefs: Uint8Array[],
    readonly roots: RootSet,
    readonly verify = false,
  ) {}

  /** One full collection; the caller guarantees no other thread touches the heap meanwhile. */
  collect(): void {
    const t0 = performance.now();
    this.arena.releaseThreadState();
    this.arena.forgetDeadFibers();
    this.markRoots();
    this.traceReferences();
    const { live } = this.sweep();
    if (this.verify) this.verifyHeap();
    const ms = performance.now() - t0;
    const a = this.arena;
    a.i32[Meta.COLLECTIONS]++;
    a.f64[MetaF64.PAUSE_TOTAL] += ms;
    if (ms > a.f64[MetaF64.PAUSE_MAX]) a.f64[MetaF64.PAUSE_MAX] = ms;
    a.f64[MetaF64.LIVE_AFTER] = live;
    a.collected(live);
  }

  /** Figures for --stats, from the shared meta area (any thread may have collected). */
  static stats(a: Arena): GcStats {
    return {
      collections: a.i32[Meta.COLLECTIONS],
      totalPauseMs: a.f64[MetaF64.PAUSE_TOTAL],
      maxPauseMs: a.f64[MetaF64.PAUSE_MAX],
      liveAfterLast: a.f64[MetaF64.LIVE_AFTER],
    };
  }

  private markRoots(): void {
    const mark = (ref: number): void => this.markRef(ref);
    this.roots.scan(mark);
    for (const r of this.arena.tempRoots) this.markRef(r);
  }

  private markRef(ref: number): void {
    if (ref === 0) return;
    const i32 = this.arena.i32;
    const w = ref >>> 2;
    const h = i32[w];
    if (h & MARK) return;
    if ((h & 0xff) === Tag.FREE) throw new Error(`gc: reference ${ref} points at a free block`);
    i32[w] = h | MARK;
    this.gray.push(ref);
  }

  private traceReferences(): void {
    const { i32, f64 } = this.arena;
    const gray = this.gray;
    while (gray.length) {
      const ref = gray.pop()!;
      const w = ref >>> 2;
      const tag = i32[w] & 0xff;
      const s0 = (ref + HEADER_BYTES) >>> 3;
      switch (tag) {
        case Tag.SLICE:
          this.markRef(f64[s0 + SLICE_ARRAY]);
          break;
        case Tag.ARRAY:
          if (i32[w + 2] === Elems.REFS) {
            const n = i32[w + 1] >>> 3;
            for (let i = 0; i < n; i++) this.markRef(f64[s0 + i]);
          }
          break;
        case Tag.OBJECT: {
          const refs = this.shapeRefs[i32[w + 2]];
          for (let i = 0; i < refs.length; i++) if (refs[i]) this.markRef(f64[s0 + i]);
          break;
        }
        case Tag.HANDLE: {
          // a finished task's result, and the message of a failed one
          const hw0 = (ref + HEADER_BYTES + 8) >>> 2;
          if (i32[hw0 + 1] === 1) this.markRef(f64[s0]);
          this.markRef(i32[hw0 + 6]);
          break;
        }
        case Tag.CHAN:
          // a channel's buffer (an ARRAY, traced by its element kind) is its f64 slot 0
          // (scheduler/chan.ts); its waiting fibers are roots of their own
          this.markRef(f64[s0]);
          break;
        default:
          // strings, mutexes and waiter records hold no references; fibers and their stacks are roots of their
          // own (RootSet.scan walks each live fiber's frames with the stack maps)
          break;
      }
    }
  }

  private sweep(): { live: number; freed: number } {
    const a = this.arena;
    const i32 = a.i32;
    const top = a.top;
    a.resetFreeLists();
    let live = 0;
    let freed = 0;
    let runStart = 0; // start of the current run of dead/free blocks, 0 = none
    // one worker: the fibers that survive are the heap's fibers (Arena.fibers)
    const fibers: number[] | null = a.threads === 1 ? [] : null;
    let p = a.firstBlock;
    while (p < top) {
      const w = p >>> 2;
      const h = i32[w];
      const size = blockSize(i32[w + 1]);
      const alive = (h & MARK) !== 0 || ((h & 0xff) === Tag.ARRAY && i32[w + 3] !== 0);
      if (alive) {
        i32[w] = h & ~MARK;
        if (fibers !== null && (h & 0xff) === Tag.FIBER) fibers.push(p);
        live += size;
        if (runStart) {
          a.addFree(runStart, p - runStart);
          runStart = 0;
        }
      } else {
        if ((h & 0xff) !== Tag.FREE) {
          freed += size;
          // --gc-verify: what a freed block held reads as NaN, so a use after free shows
          if (this.verify) a.u8.fill(0xff, p + HEADER_BYTES, p + size);
        }
        if (!runStart) runStart = p;
      }
      p += size;
    }
    if (runStart) a.lowerTop(runStart);
    if (fibers !== null) a.fibers = fibers;
    return { live, freed };
  }

  /** --gc-verify: every reference in every live block points at a live block header. */
  private verifyHeap(): void {
    const { i32, f64 } = this.arena;
    const top = this.arena.top;
    const starts = new Set<number>();
    for (let p = this.arena.firstBlock; p < top; p += blockSize(i32[(p >>> 2) + 1])) {
      if ((i32[p >>> 2] & 0xff) !== Tag.FREE) starts.add(p);
    }
    const check = (from: number, ref: number): void => {
      if (ref !== 0 && !starts.has(ref)) {
        const what = (p: number): string => (p < 0 ? 'a root' : `${TAG_NAMES[i32[p >>> 2] & 0xff]} block ${p}`);
        throw new Error(`gc-verify: ${what(from)} refers to ${ref} (${TAG_NAMES[i32[ref >>> 2] & 0xff] ?? '?'}), which is not a live block`);
      }
    };
    for (const p of starts) {
      const w = p >>> 2;
      const s0 = (p + HEADER_BYTES) >>> 3;
      switch (i32[w] & 0xff) {
        case Tag.SLICE: check(p, f64[s0 + SLICE_ARRAY]); break;
        case Tag.ARRAY:
          if (i32[w + 2] === Elems.REFS) for (let i = 0; i < i32[w + 1] >>> 3; i++) check(p, f64[s0 + i]);
          break;
        case Tag.OBJECT: {
          const refs = this.shapeRefs[i32[w + 2]];
          for (let i = 0; i < refs.length; i++) if (refs[i]) check(p, f64[s0 + i]);
          break;
        }
      }
    }
    this.roots.scan((ref) => check(-1, ref));
  }
}

/** Bytes a block occupies, from its header's payload size. */
export function blockSize(payload: number): number {
  return (HEADER_BYTES + payload + 7) & ~7;
}
