// i128 and u128: exact 128-bit integers. A value is a WIDE block in the shared heap (16 bytes,
// two's complement, little-endian 32-bit words) and a stack slot holds its reference, so wide
// values cross tasks and workers like any other object; every operation makes a new block
// (they are immutable). The arithmetic is BigInt's, range-checked against the type: like the
// other integer types, i128 and u128 trap on overflow rather than wrap.
import { WIDE_OPS, wideFits as fits } from '../bytecode/wide';
import { Tag } from '../heap/layout';
import type { Arena } from '../heap/arena';

const TWO128 = 1n << 128n;

/** A trap raised by a wide operation (the interpreter adds the Asthra stack). */
export class WideTrap extends Error {}

function checked(v: bigint, wty: number): bigint {
  if (!fits(v, wty)) throw new WideTrap('integer overflow');
  return v;
}

export function readWide(arena: Arena, ref: number): bigint {
  const i32 = arena.i32;
  const w = (ref >>> 2) + 4;
  if ((i32[ref >>> 2] & 0xff) !== Tag.WIDE) throw new WideTrap('not an i128/u128 value (the bytecode is corrupt)');
  const u = (k: number): bigint => BigInt(i32[w + k] >>> 0);
  const raw = u(0) | (u(1) << 32n) | (u(2) << 64n) | (u(3) << 96n);
  // stored as two's complement: the top bit set means negative for i128 values
  return raw >= 1n << 127n ? raw - TWO128 : raw;
}

/**
 * A new block holding v. A u128 above 2^127 - 1 is stored with the top bit set, so it reads
 * back negative: every reader of a u128 value takes it modulo 2^128 (unsigned()).
 */
export function newWide(arena: Arena, v: bigint): number {
  const ref = arena.alloc(Tag.WIDE, 16);
  const i32 = arena.i32;
  const w = (ref >>> 2) + 4;
  let x = BigInt.asUintN(128, v);
  for (let k = 0; k < 4; k++) {
    i32[w + k] = Number(x & 0xffffffffn) | 0;
    x >>= 32n;
  }
  return ref;
}

/** The value a block holds, as the type wty reads it. */
export function valueAs(raw: bigint, wty: number): bigint {
  return wty === 1 ? BigInt.asUintN(128, raw) : raw;
}

export function wideBinary(op: number, a: bigint, b: bigint, wty: number): bigint {
  switch (WIDE_OPS[op]) {
    case '+': return checked(a + b, wty);
    case '-': return checked(a - b, wty);
    case '*': return checked(a * b, wty);
    case '/':
      if (b === 0n) throw new WideTrap('division by zero');
      return checked(a / b, wty);
    case '%':
      if (b === 0n) throw new WideTrap('division by zero');
      return a % b;
    case '&': return a & b;
    case '|': return a | b;
    case '^': return a ^ b;
    case '<<':
      if (b < 0n || b >= 128n) throw new WideTrap('shift count out of range');
      return wty === 1 ? BigInt.asUintN(128, a << b) : BigInt.asIntN(128, a << b);
    case '>>':
      if (b < 0n || b >= 128n) throw new WideTrap('shift count out of range');
      return a >> b;
    default: throw new WideTrap('unknown i128 operation');
  }
}

export function wideNeg(a: bigint, wty: number): bigint {
  return checked(-a, wty);
}

export function wideNot(a: bigint, wty: number): bigint {
  return wty === 1 ? BigInt.asUintN(128, ~a) : ~a;
}

/** A number (an integer value of any other type) as a wide value. */
export function fromNumber(v: number): bigint {
  if (!Number.isInteger(v)) throw new WideTrap('not an integer (the bytecode is corrupt)');
  return BigInt(v);
}

/** A float to i128/u128: truncated toward zero; NaN, infinities and values out of range trap. */
export function fromFloat(v: number, wty: number): bigint {
  if (!Number.isFinite(v)) throw new WideTrap('float to integer conversion out of range');
  const r = BigInt(Math.trunc(v));
  if (!fits(r, wty)) throw new WideTrap('float to integer conversion out of range');
  return r;
}
