// The C types an `extern` declaration's parameters and result map to, as `.astb` files store
// them (one byte each) and as koffi spells them. The checker maps Asthra types onto these codes,
// the verifier reads which slots hold references (strings), the FFI layer (src/ffi) binds with
// the koffi spellings. Pointers of every kind travel as their address in a number slot
// (uintptr_t: the address of any object on a 64-bit machine is below 2^53, so a float64 holds
// it exactly).
import type { IntName } from './inttypes';

export const enum CType {
  Void = 0,
  Bool = 1,
  I8 = 2,
  U8 = 3,
  I16 = 4,
  U16 = 5,
  I32 = 6,
  U32 = 7,
  I64 = 8,
  U64 = 9,
  ISize = 10,
  USize = 11,
  F32 = 12,
  F64 = 13,
  /** a NUL-terminated `const char *`: an Asthra string passed as a copy (a reference slot) */
  String = 14,
  /** `*const T` / `*mut T`: an address */
  Ptr = 15,
  /**
   * `fn(...) -> T`: a C function pointer to an Asthra function. The VM's value is an index into
   * the module's callback table; the call passes the address the callback thread registered.
   */
  FnPtr = 16,
}

/** koffi's spelling of each code, by code. */
export const CTYPE_KOFFI: readonly string[] = [
  'void', 'bool', 'int8_t', 'uint8_t', 'int16_t', 'uint16_t', 'int32_t', 'uint32_t', 'int64_t', 'uint64_t',
  'intptr_t', 'uintptr_t', 'float', 'double', 'const char *', 'uintptr_t', 'uintptr_t',
];

/** How `disasm` and error messages name each code (Asthra's spelling). */
export const CTYPE_NAMES: readonly string[] = [
  'void', 'bool', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64',
  'isize', 'usize', 'f32', 'f64', 'string', 'pointer', 'callback',
];

export const CTYPE_COUNT = CTYPE_NAMES.length;

/** A callback's arguments travel in one injection record (scheduler/inject.ts), with its reply slot. */
export const MAX_CALLBACK_PARAMS = 5;

/** The Asthra integer type of each integer C type code (undefined for the others). */
export const CTYPE_INT: readonly (IntName | undefined)[] = [
  undefined, undefined, 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'isize', 'usize',
];

/** Can a value of this C type be read or written in memory through a pointer (`*p`)? */
export function isMemoryCType(t: number): boolean {
  return (t >= CType.Bool && t <= CType.F64) || t === CType.Ptr;
}

/** The bytes a value of each memory C type takes. */
export const CTYPE_SIZE: readonly number[] = [0, 1, 1, 1, 2, 2, 4, 4, 8, 8, 8, 8, 4, 8, 8, 8, 8];

/** Does a value of this C type sit in a reference slot of the VM's stack? */
export function ctypeIsRef(t: number): boolean {
  return t === CType.String;
}

/** An `extern` declaration as the module carries it. */
export interface ExternProto {
  /** the Asthra name (for traces, disasm and errors) */
  name: string;
  /** the library as written: '' (the C library and the process's own symbols), 'libc', 'm', a bare name or a path */
  lib: string;
  /** the C symbol */
  symbol: string;
  params: Uint8Array;
  ret: number;
  /** runs on an FFI thread while the calling task parks (false: `#[non_blocking]`, inline) */
  blocking: boolean;
  /** where it is declared (for load errors) */
  line: number;
  col: number;
}

/**
 * An Asthra function passed to C as a function pointer (an extern's `fn(...) -> T` parameter):
 * C may call it from any thread, during or after the call; each call runs it as a task.
 */
export interface CallbackProto {
  /** the function's index in the module */
  fn: number;
  /** its C signature: numbers, bools and pointers only */
  params: Uint8Array;
  ret: number;
}
