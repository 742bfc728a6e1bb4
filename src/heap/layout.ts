// Object layouts in the shared arena. Every object starts with a 16-byte header of four int32
// words; a reference is the byte offset of that header (never 0: offset 0 holds arena metadata).
//
//   word 0  tag | flags << 8         (flags: MARK, PINNED; used by the collector)
//   word 1  payload size in bytes
//   word 2  shape index (objects) / element kind (slices, arrays) / 0
//   word 3  variant index (enum values) / 0
//
// Payloads by tag:
//   STRING  UTF-8 bytes (immutable)
//   ARRAY   8-byte slots: the backing store of slices
//   SLICE   four f64 slots: len, cap, array ref, offset into the array (sub-slices share arrays)
//   OBJECT  8-byte field slots: structs, tuples and enum values, laid out by their shape
//   STACK   a fiber's frame records, then its value slots (scheduler/fiber.ts); also globals
//   FIBER   a task's registers and links (scheduler/fiber.ts)
//   HANDLE  a task's result and waiters; MUTEX  owner and FIFO of waiters (scheduler/task.ts)

export const HEADER_BYTES = 16;
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
}

export const TAG_NAMES = ['free', 'string', 'array', 'slice', 'object', 'stack', 'fiber', 'handle', 'mutex'];

export const enum Flag {
  MARK = 1,
  PINNED = 2,
}

/** Slot offsets inside a SLICE payload. */
export const SLICE_LEN = 0;
export const SLICE_CAP = 1;
export const SLICE_ARRAY = 2;
export const SLICE_OFFSET = 3;
export const SLICE_SLOTS = 4;

/** Bytes at the start of the arena reserved for its metadata (allocation top, limits). */
export const ARENA_META_BYTES = 64;
