// The integer types, as the instruction set knows them. An `ity` operand is an integer type code:
// the index of the type's name in INT_NAMES. The checker, the emitter, the verifier, the
// interpreter and the native tier all read these facts from here, so the codes, widths, signedness
// and ranges cannot disagree. Values are doubles: the 64-bit types are exact within
// +-(2^53 - 1), so that is their range here.

export const INT_NAMES = ['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'usize', 'isize'] as const;
export type IntName = (typeof INT_NAMES)[number];

const SAFE = Number.MAX_SAFE_INTEGER;

/** Width in bits, signedness and value range of each integer type. */
const INT_TYPES: Record<IntName, { bits: number; signed: boolean; min: number; max: number }> = {
  i8: { bits: 8, signed: true, min: -128, max: 127 },
  i16: { bits: 16, signed: true, min: -32768, max: 32767 },
  i32: { bits: 32, signed: true, min: -2147483648, max: 2147483647 },
  i64: { bits: 64, signed: true, min: -SAFE, max: SAFE },
  u8: { bits: 8, signed: false, min: 0, max: 255 },
  u16: { bits: 16, signed: false, min: 0, max: 65535 },
  u32: { bits: 32, signed: false, min: 0, max: 4294967295 },
  u64: { bits: 64, signed: false, min: 0, max: SAFE },
  usize: { bits: 64, signed: false, min: 0, max: SAFE },
  isize: { bits: 64, signed: true, min: -SAFE, max: SAFE },
};

/** [min, max] of each integer type, by name. */
export const INT_RANGE = Object.fromEntries(INT_NAMES.map((n) => [n, [INT_TYPES[n].min, INT_TYPES[n].max]])) as Record<IntName, [number, number]>;

/** The integer type code of a name: the `ity` operand that stands for it. */
export function intCode(name: IntName): number {
  return INT_NAMES.indexOf(name);
}

// Per type code, as typed arrays for the interpreter and the native tier.
/** Bit width per int type code, for wrapping casts and shifts. */
export const IBITS = Int32Array.from(INT_NAMES.map((n) => INT_TYPES[n].bits));
/** 1 for a signed int type code, 0 for an unsigned one. */
export const ISIGNED = Uint8Array.from(INT_NAMES.map((n) => (INT_TYPES[n].signed ? 1 : 0)));
/** Smallest and largest value per int type code. */
export const IMIN = Float64Array.from(INT_NAMES.map((n) => INT_TYPES[n].min));
export const IMAX = Float64Array.from(INT_NAMES.map((n) => INT_TYPES[n].max));

export function intBits(name: IntName): number {
  return INT_TYPES[name].bits;
}

export function isSigned(name: IntName): boolean {
  return INT_TYPES[name].signed;
}
