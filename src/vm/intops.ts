// Integer semantics shared by the interpreter and the native tier: every integer type keeps
// its meaning exactly. Values are doubles; i64/u64/usize are exact within +-(2^53 - 1), and a
// result outside the type's range is an overflow (NaN from these helpers, a trap for callers).
// The per-type widths, signedness and ranges come from bytecode/inttypes.ts.
import { IBITS, IMAX, IMIN, ISIGNED } from '../bytecode/inttypes';
import { Op } from '../bytecode/opcodes';

/** Wrap an integer to int type t's width (Rust `as`); NaN when a 64-bit target cannot hold it. */
export function wrapInt(a: number, t: number): number {
  switch (IBITS[t]) {
    case 8: return ISIGNED[t] ? (a << 24) >> 24 : a & 0xff;
    case 16: return ISIGNED[t] ? (a << 16) >> 16 : a & 0xffff;
    case 32: return ISIGNED[t] ? a | 0 : a >>> 0;
    default: return a > IMAX[t] || a < IMIN[t] ? NaN : a;
  }
}

/** & | ^ << >> in int type t; NaN on overflow or a shift count outside the width. */
export function bitwise(op: number, t: number, a: number, b: number): number {
  const bits = IBITS[t];
  if (op === Op.SHL || op === Op.SHR) {
    if (b < 0 || b >= bits) return NaN;
    if (bits === 64) {
      if (op === Op.SHR) return Math.floor(a / 2 ** b) + 0;
      const r = Number(BigInt.asIntN(64, BigInt(a) << BigInt(b)));
      return r > IMAX[t] || r < IMIN[t] ? NaN : r;
    }
    if (op === Op.SHR) return ISIGNED[t] ? a >> b : a >>> b;
    return wrapInt((a << b) | 0, t);
  }
  if (bits === 64 && ((a | 0) !== a || (b | 0) !== b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    const r = Number(op === Op.BAND ? x & y : op === Op.BOR ? x | y : x ^ y);
    return r > IMAX[t] || r < IMIN[t] ? NaN : r;
  }
  const r = op === Op.BAND ? a & b : op === Op.BOR ? a | b : a ^ b;
  return bits === 32 && !ISIGNED[t] ? r >>> 0 : r;
}

/** ~a in int type t; NaN when the result does not fit (e.g. ~0 as u64). */
export function bnot(t: number, a: number): number {
  const r = ISIGNED[t] ? -a - 1 : (IBITS[t] === 64 ? 18446744073709551615 : IMAX[t]) - a;
  return r > IMAX[t] || r < IMIN[t] ? NaN : r;
}

/** float -> int type t: truncate toward zero, saturate at the type's bounds, NaN -> 0. */
export function f2i(t: number, a: number): number {
  return a !== a ? 0 : a >= IMAX[t] ? IMAX[t] : a <= IMIN[t] ? IMIN[t] : Math.trunc(a) + 0;
}
