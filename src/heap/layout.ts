// Object layouts in the shared arena. Every object starts with a 16-byte header of four int32
// words; a reference is the byte offset of that header (never 0: offset 0 holds arena metadata).
//
//   word 0  tag | flags << 8         (flags: MARK; used by the collector)
//   word 1  payload size in bytes
//   word 2  shape index (objects) / element kind (slices, arrays: Elems) / 0
//   word 3  variant index (enum values) / pin count (byte arrays) / 0
//
// Payloads by tag:
//   STRING  UTF-8 bytes (immutable)
//   ARRAY   the backing store of slices: 8-byte slots (numbers or references), or for a []u8
//           one byte per element (Elems.BYTES), so C sees the bytes themselves at `buf.ptr`
//   SLICE   four f64 slots: len, cap, array ref, offset into the array (sub-slices share arrays)
//   OBJECT  8-byte field slots: structs, tuples and enum values, laid out by their shape
//   STACK   a fiber's frame records, then its value slots (scheduler/fiber.ts); also globals
//   FIBER   a task's registers and links (scheduler/fiber.ts)
//   HANDLE  a task's result and waiters (scheduler/handle.ts); MUTEX  owner and FIFO of waiters
//           (scheduler/mutex.ts); CELL  8 bytes holding one C-typed value: a `let` variable whose
//           address `&x` is taken (its bytes are what C sees); WIDE  16 bytes: an i128 or u128
//           value, two's complement (vm/wide.ts); WAITER  a waiter record of a fiber waiting on several objects
//           (scheduler/waiter.ts); CHAN  a channel: f64 slot 0 its buffer (an ARRAY), then its
//           words (scheduler/chan.ts)

export const HEADER_BYTES = 16;
/** The header's words, as offsets from a reference's int32 index (ref >>> 2). */
export const HDR_TAG = 0;
export const HDR_SIZE = 1;
export const HDR_AUX = 2;
export const HDR_VARIANT = 3;
export const HEADER_SLOTS = HEADER_BYTES / 8;

export const enum Tag {
  FREE = 0,
  STRING = 1,
  ARRAY = 2,
  SLICE = 3,
  OBJECT = 4,
  STACK = 5,
  FIBER = 6,
  HANDLE = 7,
  MUTEX = 8,
  WAITER = 9,
  CHAN = 10,
  CELL = 11,
  WIDE = 12,
}

export const TAG_NAMES = ['free', 'string', 'array', 'slice', 'object', 'stack', 'fiber', 'handle', 'mutex', 'waiter', 'channel', 'cell', 'wide'];

export const enum Flag {
  MARK = 1,
}

/**
 * What the elements of an ARRAY (and of a SLICE over it, word 2 of both) are. A byte array is
 * pinned while C holds a pointer into it (`buf.ptr` passed to an extern): word 3 counts the calls
 * that do, and the sweep keeps a block whose count is not 0 even when nothing references it.
 * The count lives in the shared heap, so every worker sees every pin.
 */
export const enum Elems {
  NUMS = 0,
  REFS = 1,
  BYTES = 2,
}

/** Slot offsets inside a SLICE payload (for a byte slice, the offset counts bytes). */
export const SLICE_LEN = 0;
export const SLICE_CAP = 1;
export const SLICE_ARRAY = 2;
export const SLICE_OFFSET = 3;
export const SLICE_SLOTS = 4;

/** Worker threads that can share one arena: the per-worker Meta words below have room for so many. */
export const MAX_WORKERS = 8;
/** The most FFI threads alive at once (ffi/pool.ts: where there is no C thread pool, a call beyond it waits for a thread to free up). */
export const MAX_FFI_THREADS = 64;

/** Bytes at the start of the arena reserved for shared runtime state (the Meta words). */
export const ARENA_META_BYTES = 4096;

/**
 * Shared state at the start of the arena, as int32 word indices: everything every worker must
 * agree on lives here, read and written with Atomics or under the lock it names.
 */
export const enum Meta {
  // Words that workers update often sit on cache lines of their own (16 words = 64 bytes apart),
  // so one worker's atomic update does not keep invalidating another's line.
  TOP = 0, // allocation top, in 8-byte units (atomic)
  ALLOC_LOCK = 16, // guards the free lists and GC accounting
  SCHED_LOCK = 32, // guards the global run queue
  STW_REQ = 48, // 0, or STOPPING (1) / RELEASING (2) during a stop-the-world (scheduler/stw.ts)
  STW_PARKED = 49, // workers parked for it
  ACTIVE = 50, // workers running fibers (not idle)
  IDLE = 51, // workers waiting for work
  WAKING = 52, // 1 while a wake-up is on its way to an idle worker (so a burst of work sends one)
  RUNNING = 53, // workers inside runWorker (the main thread waits for them to leave at the end)
  FAILED_WORKERS = 54, // workers that stopped on an internal error
  COUNTS0 = 640, // per worker (up to 8), a cache line each: tasks it spawned (word 0) and finished (word 1)
  NEXT_ID = 80, // next task id
  WORK_SEQ = 96, // bumped (and notified) whenever work appears
  DONE = 112, // 0 running, 1 finished, 2 exit() or a trap in main, 3 deadlock
  EXIT_CODE = 113,
  RUNQ_HEAD = 128, // the global queue (a batch list: scheduler/batchlist.ts), under SCHED_LOCK
  RUNQ_TAIL = 129,
  GLOBAL_LEN = 144, // fibers on the global run queue (atomic; read without the lock as a hint)
  DEAD_LOCK = 160, // guards DEAD_FIBERS
  DEAD_FIBERS = 161, // finished fibers any worker may reuse, a batch list (emptied by each collection)
  DEAD_TAIL = 162,
  DEAD_LEN = 163,
  SLEEPERS = 176, // fibers parked on timers, across all workers
  WORKERS = 177, // worker threads sharing the arena
  COLLECTIONS = 178,
  UNOBSERVED = 179, // failed tasks no await has seen: the exit code is 1 while this is > 0
  MAIN_HANDLE = 180, // main's handle: its result is the program's
  LARGE = 181, // free list of blocks above SMALL_MAX (under ALLOC_LOCK)
  TEMP_ROOTS0 = 192, // per worker (up to 8): a block where a parked worker publishes its temporary roots
  LOCALQ0 = 208, // per worker (up to 8): its local run queue block
  INJECT = 224, // the injection ring (scheduler/inject.ts), for threads that are not workers
  EXTERNAL = 225, // what may still inject work (external waits in flight, registered callbacks)
  FFI_RING = 226, // blocking C calls waiting for an FFI thread (a ring like INJECT's: src/ffi/pool.ts)
  FFI_PENDING = 227, // calls in that ring no FFI thread has taken yet
  FFI_IDLE = 228, // FFI threads waiting for a call (or starting)
  FFI_THREADS = 229, // FFI threads alive
  FFI_CALLS = 230, // blocking C calls made (for --stats)
  FFI_PEAK = 231, // the most FFI threads alive at once (for --stats)
  FFI_POOL = 232, // 1 when calls no FFI thread is free for go to the C thread pool (src/ffi/cpool.ts)
  FFI_POOL_SEQ = 233, // bumped (and notified) when such a call is queued: the pool's dispatcher waits on it
  FFI_POOL_CALLS = 234, // calls running on the C thread pool now
  FFI_POOL_PEAK = 235, // the most at once (for --stats)
  FFI_POOL_TOTAL = 236, // calls the C thread pool ran (for --stats)
  FFI_SEQ = 240, // bumped (and notified) when a call is queued: idle FFI threads wait on it
  CB_TABLE = 241, // the callback block (src/ffi/callbacks.ts): C addresses of the callbacks, then reply slots
  CB_READY = 242, // 1 once the callback thread has registered every callback (2: it failed)
  FFI_STARTING = 243, // FFI threads started that have not yet loaded koffi and armed their crash row
  FFI_SPINNING = 244, // 1 while an FFI thread looks for the next call before sleeping (one at a time)
  SMALL0 = 256, // free-list heads by block size / 8, up to SMALL_MAX (65 words)
}

/** Meta.STW_REQ: 0 running, STOPPING while a stop-the-world is requested or under way, then
 * RELEASING until every parked worker has left (scheduler/stw.ts). */
export const STW_STOPPING = 1;
export const STW_RELEASING = 2;

/** f64 slots of the meta area (f64 index), written under ALLOC_LOCK. */
export const enum MetaF64 {
  SINCE_GC = 256, // byte 2048, after the int32 words
  GC_BUDGET = 257,
  ALLOCATED = 258,
  PEAK = 259,
  PAUSE_TOTAL = 260,
  PAUSE_MAX = 261,
  LIVE_AFTER = 262,
}
